package titledb

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// File names inside a titledb directory.
const (
	cnmtsFile    = "cnmts.json"
	versionsFile = "versions.json"
)

// Options tunes Load and Fetch. The zero value is ready to use.
type Options struct {
	// MaxFileSize is the largest titledb file accepted, in bytes, whether
	// read from disk, downloaded or extracted from an archive. A zip
	// archive may be up to three times this size. Defaults to
	// DefaultMaxFileSize when 0; negative is an error.
	MaxFileSize int64
}

func (o Options) maxFileSize() (int64, error) {
	switch {
	case o.MaxFileSize < 0:
		return 0, fmt.Errorf("titledb: Options.MaxFileSize is %d, want 0 (default) or more", o.MaxFileSize)
	case o.MaxFileSize == 0:
		return DefaultMaxFileSize, nil
	}
	return o.MaxFileSize, nil
}

// TitlesFile is the name of the titles file for a region and language, e.g.
// "titles.US.en.json".
func TitlesFile(region, lang string) string {
	return "titles." + region + "." + lang + ".json"
}

// fileNames lists the files of a titledb directory, titles first.
func fileNames(region, lang string) []string {
	return []string{TitlesFile(region, lang), cnmtsFile, versionsFile}
}

// checkLocale rejects region and language codes that are not short ASCII
// words: they become part of a file name and a URL.
func checkLocale(region, lang string) error {
	for _, c := range []struct{ what, v string }{{"region", region}, {"language", lang}} {
		if c.v == "" || len(c.v) > 8 {
			return fmt.Errorf("titledb: %s %q must be 1 to 8 letters", c.what, c.v)
		}
		for i := range len(c.v) {
			if b := c.v[i] | 0x20; b < 'a' || b > 'z' {
				return fmt.Errorf("titledb: %s %q must be 1 to 8 letters", c.what, c.v)
			}
		}
	}
	return nil
}

// Load reads the titledb files in dir for a region and language (e.g. "US",
// "en") with the default Options.
func Load(dir, region, lang string) (*DB, error) {
	return Options{}.Load(dir, region, lang)
}

// Load reads the titledb files in dir for a region and language.
func (o Options) Load(dir, region, lang string) (*DB, error) {
	db, err := o.loadFS(os.DirFS(dir), region, lang)
	if err != nil {
		return nil, fmt.Errorf("%w (titledb directory %s)", err, dir)
	}
	return db, nil
}

func (o Options) loadFS(fsys fs.FS, region, lang string) (*DB, error) {
	if err := checkLocale(region, lang); err != nil {
		return nil, err
	}
	limit, err := o.maxFileSize()
	if err != nil {
		return nil, err
	}
	titles, err := parseFile(fsys, TitlesFile(region, lang), limit, parseTitles)
	if err != nil {
		return nil, err
	}
	apps, err := parseFile(fsys, cnmtsFile, limit, parseCnmts)
	if err != nil {
		return nil, err
	}
	versions, err := parseFile(fsys, versionsFile, limit, parseVersions)
	if err != nil {
		return nil, err
	}
	return newDB(titles, apps, versions), nil
}

type parser[T any] func(r io.Reader, name string, limit int64) (T, error)

func parseFile[T any](fsys fs.FS, name string, limit int64, parse parser[T]) (T, error) {
	var zero T
	f, err := fsys.Open(name)
	if err != nil {
		return zero, fmt.Errorf("titledb: open %s: %w", name, unwrapPathError(err))
	}
	defer f.Close()
	// Checking the size first rejects a huge file without reading it; the
	// limited reader still guards against a file that grows while read.
	if info, err := f.Stat(); err == nil && info.Size() > limit {
		return zero, fmt.Errorf("titledb: %s: %d bytes is %w of %d bytes", name, info.Size(), ErrTooLarge, limit)
	}
	return parse(f, name, limit)
}

// unwrapPathError drops the *fs.PathError wrapper whose path would repeat
// the file name already in the message.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
