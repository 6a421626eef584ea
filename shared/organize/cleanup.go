package organize

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
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
	p := pruner{sem: make(chan struct{}, pruners)}
	removed, _, err := p.pruneDir(root, true)
	return removed, err
}

// pruners bounds the extra goroutines RemoveEmptyDirs walks and removes
// folders with: an rmdir waits on the file system's journal, and after the
// organizer has emptied thousands of folders a serial walk spent seconds in
// it (two cores ran eight at once about twice as fast as one).
const pruners = 8

type pruner struct{ sem chan struct{} }

// pruneDir removes the empty folders below dir and, unless isRoot, dir itself
// when it ends up empty. gone reports whether dir no longer exists.
func (p pruner) pruneDir(dir string, isRoot bool) (removed int, gone bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("removing empty folders: %w", err)
	}
	var errs []error
	remaining := len(entries)
	var mu sync.Mutex
	var wg sync.WaitGroup
	child := func(path string) {
		n, childGone, err := p.pruneDir(path, false)
		mu.Lock()
		defer mu.Unlock()
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
		if childGone {
			remaining--
		}
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		select {
		case p.sem <- struct{}{}: // a free goroutine
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-p.sem }()
				child(path)
			}()
		default: // all busy: here, so that the walk never waits for a slot
			child(path)
		}
	}
	wg.Wait()
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
