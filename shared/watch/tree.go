package watch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/shelfhq/shelf/shared/organize"
)

// setLibraries makes the watched library folders those in paths: new ones are watched and
// scanned, dropped ones are no longer watched.
func (w *Watcher) setLibraries(ctx context.Context, paths []string) {
	want := map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			w.log.Error("library path cannot be made absolute; not watched", "path", p, "err", err)
			continue
		}
		want[abs] = true
	}
	for root := range w.roots {
		if !want[root] {
			w.dropLibrary(root)
		}
	}
	for root := range want {
		if _, known := w.roots[root]; known {
			continue
		}
		if w.addLibrary(root) {
			w.enqueueScan(ctx, root)
		}
	}
	w.publishDirectories()
}

// addLibrary watches the library folder root and everything in it, and remembers the game
// files there as known to the catalog (the scan reconciles them). It reports whether the folder
// is watched; a missing folder is looked for again every RetryInterval.
func (w *Watcher) addLibrary(root string) bool {
	w.roots[root] = false
	info, err := os.Stat(root)
	if err != nil || !info.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		w.log.Warn("library folder not available; watching it once it is", "library", root, "err", err)
		return false
	}
	w.roots[root] = true
	w.watchTree(root, func(path string, st fileState) { w.files[path] = st })
	w.log.Info("watching library", "library", root)
	return true
}

// dropLibrary stops watching root and forgets its state, without telling the catalog anything:
// removing a library from the settings is not deleting its files.
func (w *Watcher) dropLibrary(root string) {
	delete(w.roots, root)
	w.forgetTree(root)
	w.renames = slices.DeleteFunc(w.renames, func(r *rename) bool { return r.root == root })
	w.log.Info("library no longer watched", "library", root)
	// A library nested in the dropped one lost its watches with it.
	for other, watched := range w.roots {
		if watched && within(other, root) {
			w.watchTree(other, func(path string, st fileState) { w.files[path] = st })
		}
	}
}

// loseLibrary handles the library folder itself disappearing (unmounted, renamed, deleted).
// Its files are not reported deleted: a drive that is unplugged must not empty the catalog.
func (w *Watcher) loseLibrary(root string) {
	w.roots[root] = false
	w.forgetTree(root)
	w.renames = slices.DeleteFunc(w.renames, func(r *rename) bool { return r.root == root })
	w.publishDirectories()
	w.log.Warn("library folder disappeared; watching it again once it is back", "library", root)
}

// forgetTree unwatches root and everything under it and drops the state kept for it.
func (w *Watcher) forgetTree(root string) {
	w.unwatchTree(root)
	for path := range w.files {
		if within(path, root) {
			delete(w.files, path)
		}
	}
	for path := range w.pending {
		if within(path, root) {
			delete(w.pending, path)
		}
	}
}

// retryMissingLibraries looks for the library folders that were missing; one that appeared is
// watched and scanned.
func (w *Watcher) retryMissingLibraries(ctx context.Context) {
	changed := false
	for root, watched := range w.roots {
		if watched {
			continue
		}
		if info, err := os.Stat(root); err == nil && info.IsDir() {
			if w.addLibrary(root) {
				w.enqueueScan(ctx, root)
				changed = true
			}
		}
	}
	if changed {
		w.publishDirectories()
	}
}

// watchTree watches dir and every directory under it, and calls found for every game file in
// them. Directories are watched before they are listed, so a file created meanwhile is either
// listed or reported by an event (or both; the settling and known-file checks absorb that).
func (w *Watcher) watchTree(dir string, found func(path string, st fileState)) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking; its event tells the rest
			}
			w.log.Warn("cannot read library folder", "path", path, "err", err)
			if d != nil && d.IsDir() && path != dir {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			w.watchDir(path)
			return nil
		}
		if !organize.IsGameFile(path) {
			return nil
		}
		if st, err := statFile(path); err == nil {
			found(path, st)
		}
		return nil
	})
	if err != nil {
		w.log.Warn("walking library folder", "path", dir, "err", err)
	}
}

// watchDir adds one kernel watch.
func (w *Watcher) watchDir(dir string) {
	if _, ok := w.dirs[dir]; ok {
		return
	}
	if err := w.fs.Add(dir); err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			w.log.Error("out of inotify watches; raise fs.inotify.max_user_watches", "path", dir, "err", err)
		} else if !errors.Is(err, fs.ErrNotExist) {
			w.log.Warn("cannot watch folder", "path", dir, "err", err)
		}
		return
	}
	w.dirs[dir] = struct{}{}
}

// unwatchTree removes the watches of dir and the directories under it. A moved directory's
// subdirectories keep their kernel watches (only the moved one is told), under their old
// names, so each one must be removed by hand.
func (w *Watcher) unwatchTree(dir string) {
	for d := range w.dirs {
		if within(d, dir) {
			_ = w.fs.Remove(d) // already gone when the kernel dropped it; nothing to do then
			delete(w.dirs, d)
		}
	}
}

// publishDirectories updates the gauge and the copy Directories reads.
func (w *Watcher) publishDirectories() {
	dirs := make([]string, 0, len(w.dirs))
	for d := range w.dirs {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	w.mu.Lock()
	w.watching = dirs
	w.mu.Unlock()
	w.m.Directories.Set(float64(len(dirs)))
}
