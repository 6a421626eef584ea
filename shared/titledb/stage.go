package titledb

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staging collects new versions of titledb files next to the old ones and
// swaps them in only when all of them are known good, so readers never see a
// mix of a new titles file and an old cnmts.json, or a half-written file.
type staging struct {
	dir   string
	limit int64
	files []stagedFile
}

type stagedFile struct {
	name string // final name in dir
	tmp  string // full path of the validated temp file
	size int64
}

// tempSuffix marks files this package writes before renaming them; see
// removeStaleTemps.
const tempSuffix = ".titledb-tmp"

// add copies r into a temp file in dir, enforcing the size limit while
// streaming, flushes it to disk and validates that it parses as name. A
// file that fails any step is removed and nothing else changes.
func (s *staging) add(name string, r io.Reader) (err error) {
	f, err := os.CreateTemp(s.dir, "."+name+".*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("titledb: stage %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	size, err := io.Copy(f, newLimitedReader(r, s.limit))
	if err != nil {
		return fmt.Errorf("titledb: download %s: %w", name, err)
	}
	// Sync before the rename: after a crash the new name must not point at
	// a file whose data never reached the disk.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("titledb: stage %s: %w", name, err)
	}
	// Validate what is on disk, so the bytes renamed are the bytes checked.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("titledb: stage %s: %w", name, err)
	}
	if err := validate(name, f, s.limit); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("titledb: stage %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("titledb: stage %s: %w", name, err)
	}
	s.files = append(s.files, stagedFile{name: name, tmp: f.Name(), size: size})
	return nil
}

// validate parses a downloaded file the way Load will, and refuses one
// without entries: a mirror serving "{}" would otherwise wipe the library's
// titles.
func validate(name string, r io.Reader, limit int64) error {
	var n int
	var err error
	switch name {
	case cnmtsFile:
		var apps map[string]appVersions
		apps, err = parseCnmts(r, name, limit)
		n = len(apps)
	case versionsFile:
		var versions map[string]map[int]string
		versions, err = parseVersions(r, name, limit)
		n = len(versions)
	case languagesFile:
		var locales Locales
		locales, err = parseLanguages(r, name, limit)
		n = len(locales)
	default:
		var titles map[string]Title
		titles, err = parseTitles(r, name, limit)
		n = len(titles)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("titledb: %s holds no usable entries", name)
	}
	return nil
}

// commit renames every staged file over its old version. If a rename fails
// the files already renamed stay (each is valid on its own) and the error
// says which file failed.
func (s *staging) commit() ([]stagedFile, error) {
	var done []stagedFile
	for _, f := range s.files {
		if err := os.Rename(f.tmp, filepath.Join(s.dir, f.name)); err != nil {
			s.files = s.files[len(done):]
			return done, fmt.Errorf("titledb: replace %s: %w", f.name, err)
		}
		done = append(done, f)
	}
	s.files = nil
	return done, syncDir(s.dir)
}

// discard removes the temp files that were not committed.
func (s *staging) discard() {
	for _, f := range s.files {
		os.Remove(f.tmp)
	}
	s.files = nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("titledb: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("titledb: sync %s: %w", dir, err)
	}
	return nil
}

// staleTempAge is how old a temp file must be before removeStaleTemps
// deletes it. A fetch in progress writes its temp files continuously, so
// only leftovers of a killed process get this old.
const staleTempAge = time.Hour

// removeStaleTemps deletes temp files left behind by a process that died
// mid-fetch; without it every crash would leave up to a GiB behind.
func removeStaleTemps(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), tempSuffix) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
