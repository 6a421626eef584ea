package keys

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileName is the keys file in the data folder.
const FileName = "prod.keys"

// FileMode keeps the keys file readable by its owner only: the services
// (which run as one user) read it, nobody else may.
const FileMode = 0o600

// Path is where the keys file lives in dataDir.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

// Save checks text with Parse and, if it is valid, writes it to dataDir
// through a synced temporary file that is renamed into place, mode 0600, so
// a reader sees the old file or the new one, never a part.
func Save(dataDir string, text []byte) (*Set, error) {
	s, err := Parse(text)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	if err := writeFile(Path(dataDir), text); err != nil {
		return nil, fmt.Errorf("saving the keys file: %w", err)
	}
	return s, nil
}

// Copy copies the keys file of dataDir to dst with mode 0600 (backup
// --with-keys). It returns os.ErrNotExist when there is no keys file.
func Copy(dataDir, dst string) error {
	text, err := os.ReadFile(Path(dataDir))
	if err != nil {
		return err
	}
	return writeFile(dst, text)
}

func writeFile(path string, text []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(FileMode); err != nil {
		return err
	}
	if _, err := tmp.Write(text); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Store serves the keys file of a data folder to the workers, parsed once
// and parsed again when the file changes on disk, so an upload through the
// api takes effect without a restart.
type Store struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	set     *Set
	err     error
	loaded  bool
}

// NewStore serves the keys file of dataDir.
func NewStore(dataDir string) *Store { return NewFileStore(Path(dataDir)) }

// NewFileStore serves the keys file at path, such as a secret mounted read-only on a worker host
// that has no data folder.
func NewFileStore(path string) *Store { return &Store{path: path} }

// Current returns the keys; (nil, nil) when there is no keys file, an empty
// one, or no Store; and the parse error of a file that is not valid.
func (st *Store) Current() (*Set, error) {
	if st == nil {
		return nil, nil
	}
	info, err := os.Stat(st.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err == nil && info.Size() == 0 {
		// An empty file is no keys: the placeholder a container mounts where a secret is optional.
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the keys file: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.loaded && info.ModTime().Equal(st.modTime) && info.Size() == st.size {
		return st.set, st.err
	}
	st.set, st.err = load(st.path)
	st.modTime, st.size, st.loaded = info.ModTime(), info.Size(), true
	return st.set, st.err
}

func load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the keys file: %w", err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the keys file: %w", err)
	}
	return Parse(text)
}
