package titledb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
)

// stateFile is the sidecar in the titledb directory that remembers the HTTP
// validators of what was downloaded, so the next Fetch can ask the mirror
// "changed since?" instead of downloading hundreds of MiB again.
const stateFile = ".fetch.json"

// fetchState is the sidecar's content. Resources are keyed by URL so that
// validators from one mirror are never sent to another.
type fetchState struct {
	Resources map[string]resourceState `json:"resources"`
}

type resourceState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	// Files are the local files the response produced, with their sizes.
	// The validators only hold while exactly those files are in place: a
	// file deleted or replaced by hand must be downloaded again.
	Files map[string]int64 `json:"files"`
}

// readState loads the sidecar. A missing or unreadable sidecar is an empty
// state: the cost is one unconditional download, never a failure.
func readState(dir string, log *slog.Logger) fetchState {
	st := fetchState{Resources: map[string]resourceState{}}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		if !os.IsNotExist(err) {
			log.Warn("titledb fetch state unreadable, downloading everything", "err", err)
		}
		return st
	}
	if err := json.Unmarshal(b, &st); err != nil {
		log.Warn("titledb fetch state corrupt, downloading everything", "err", err)
		return fetchState{Resources: map[string]resourceState{}}
	}
	if st.Resources == nil {
		st.Resources = map[string]resourceState{}
	}
	return st
}

// validators returns the stored state for url if its files are still in
// place unchanged, nil otherwise.
func (st fetchState) validators(dir, url string) *resourceState {
	rs, ok := st.Resources[url]
	if !ok || len(rs.Files) == 0 || (rs.ETag == "" && rs.LastModified == "") {
		return nil
	}
	for name, size := range rs.Files {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Size() != size {
			return nil
		}
	}
	return &rs
}

// record stores the state for url and forgets every other resource that
// produced one of the same files: those validators describe files that are
// gone.
func (st fetchState) record(url string, rs resourceState) {
	st.forget(rs.Files)
	st.Resources[url] = rs
}

// forget drops the resources that produced any of files.
func (st fetchState) forget(files map[string]int64) {
	for url, other := range st.Resources {
		for name := range other.Files {
			if _, ok := files[name]; ok {
				delete(st.Resources, url)
				break
			}
		}
	}
}

// save writes the sidecar atomically. It is only a cache, so it is not
// fsynced: losing it costs one full download.
func (st fetchState) save(dir string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("titledb: encode fetch state: %w", err)
	}
	path := filepath.Join(dir, stateFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp := path + tempSuffix
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("titledb: write fetch state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("titledb: write fetch state: %w", err)
	}
	return nil
}

// filesOf lists the committed files with their sizes, for resourceState.
func filesOf(done []stagedFile) map[string]int64 {
	files := make(map[string]int64, len(done))
	for _, f := range done {
		files[f.name] = f.size
	}
	return files
}

// sortedNames is for log lines that list files in a stable order.
func sortedNames(files map[string]int64) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
