package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Save writes s to path so that a reader sees either the old file or the new one, never part of
// one: the content goes to a temporary file in the same folder, is flushed to disk, and replaces
// path by rename, after which the folder itself is flushed so the rename survives a crash. Invalid
// settings are refused with a ValidationError rather than written for every service to reject.
// Comments in an existing file are not kept.
func Save(path string, s Settings) error {
	if errs := s.Validate(); len(errs) > 0 {
		return ValidationError{Errors: errs}
	}
	data, err := Marshal(s)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	perm := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm() // keep a mode the user chose
	}

	// The leading dot and the suffix keep the temporary file away from watchers of path.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("save settings: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save settings: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save settings: close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save settings: replace %s: %w", path, err)
	}
	committed = true
	return syncDir(dir)
}

// syncDir flushes a folder's entries, making a rename inside it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save settings: open folder %s: %w", dir, err)
	}
	defer d.Close()
	// Some file systems (and platforms) cannot sync a directory; the rename has still happened.
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("save settings: sync folder %s: %w", dir, err)
	}
	return nil
}
