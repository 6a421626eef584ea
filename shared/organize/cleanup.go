package organize

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// RemoveEmptyDirs removes the empty folders below root, deepest first, so a
// folder holding only empty folders goes too. root itself always stays, and
// symbolic links are never followed. It returns how many folders it removed;
// a folder that gains a file meanwhile is simply kept.
func RemoveEmptyDirs(root string) (int, error) {
	root = filepath.Clean(root)
	info, err := os.Lstat(root)
	if err != nil {
		return 0, fmt.Errorf("removing empty folders: %w", err)
	}
	if !info.IsDir() {
		return 0, fmt.Errorf("removing empty folders: %s is not a folder", root)
	}
	removed, _, err := pruneDir(root, true)
	return removed, err
}

// pruneDir removes the empty folders below dir and, unless isRoot, dir itself
// when it ends up empty. gone reports whether dir no longer exists.
func pruneDir(dir string, isRoot bool) (removed int, gone bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("removing empty folders: %w", err)
	}
	var errs []error
	remaining := len(entries)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n, childGone, err := pruneDir(filepath.Join(dir, e.Name()), false)
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
		if childGone {
			remaining--
		}
	}
	if isRoot || remaining > 0 {
		return removed, false, errors.Join(errs...)
	}
	switch err := os.Remove(dir); {
	case err == nil:
		return removed + 1, true, errors.Join(errs...)
	case errors.Is(err, fs.ErrNotExist):
		return removed, true, errors.Join(errs...)
	case errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST):
		return removed, false, errors.Join(errs...)
	default:
		errs = append(errs, fmt.Errorf("removing empty folders: %w", err))
		return removed, false, errors.Join(errs...)
	}
}
