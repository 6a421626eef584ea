package titledb

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// The sample is a small made-up titledb: twelve fictional games with
// updates and DLC, consistent across the three files, and the community's
// real languages.json so the locale choices are there offline. It lets shelf run,
// and its tests pass, without network access or real titledb data.
//
//go:embed sample/*.json
var sampleFS embed.FS

const (
	sampleRegion = "US"
	sampleLang   = "en"
)

// LoadSample returns the embedded sample titledb, for tests and demos.
func LoadSample() (*DB, error) {
	sub, err := fs.Sub(sampleFS, "sample")
	if err != nil {
		return nil, fmt.Errorf("titledb: embedded sample: %w", err)
	}
	return Options{}.loadFS(sub, sampleRegion, sampleLang)
}

// InstallSample writes the embedded sample titledb into dir as
// titles.US.en.json, cnmts.json, versions.json and languages.json, replacing
// files that are missing or different.
func InstallSample(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("titledb: create %s: %w", dir, err)
	}
	_, err := installSample(dir, sampleRegion, sampleLang, slog.New(slog.DiscardHandler))
	return err
}

// installSample writes the sample, naming its titles file for region and
// lang so that a configured locale loads it too. It reports whether any
// file changed.
func installSample(dir, region, lang string, log *slog.Logger) (bool, error) {
	targets := append(fileNames(region, lang), languagesFile)
	sources := append(fileNames(sampleRegion, sampleLang), languagesFile)
	st := &staging{dir: dir, limit: DefaultMaxFileSize}
	defer st.discard()
	for i, name := range targets {
		data, err := sampleFS.ReadFile("sample/" + sources[i])
		if err != nil {
			return false, fmt.Errorf("titledb: read embedded sample %s: %w", sources[i], err)
		}
		if sameContent(filepath.Join(dir, name), data) {
			continue
		}
		if err := st.add(name, bytes.NewReader(data)); err != nil {
			return false, err
		}
	}
	if len(st.files) == 0 {
		recordSource(dir, Source{Sample: true, Region: region, Language: lang}, false, log)
		return false, nil
	}
	done, commitErr := st.commit()
	// Validators remembered for a mirror no longer describe these files.
	state := readState(dir, log)
	state.forget(filesOf(done))
	if err := state.save(dir); err != nil {
		log.Warn("titledb fetch state not saved", "err", err)
	}
	if commitErr != nil {
		return len(done) > 0, commitErr
	}
	log.Info("titledb sample installed", "files", sortedNames(filesOf(done)))
	recordSource(dir, Source{Sample: true, Region: region, Language: lang}, true, log)
	return true, nil
}

// sameContent reports whether the file at path holds exactly data; the size
// check avoids reading a large real titledb file just to compare it.
func sameContent(path string, data []byte) bool {
	info, err := os.Stat(path)
	if err != nil || info.Size() != int64(len(data)) {
		return false
	}
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, data)
}
