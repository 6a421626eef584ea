package watch

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/shelfhq/shelf/shared/organize"
)

// fileState is what says a file changed: its size and modification time.
type fileState struct {
	size  int64
	mtime int64 // unix nanoseconds
}

// statFile reads the state of a file, following a symbolic link.
func statFile(path string) (fileState, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileState{}, err
	}
	return fileState{size: info.Size(), mtime: info.ModTime().UnixNano()}, nil
}

// settling is a created or modified file waiting to stop changing.
type settling struct {
	state fileState
	since time.Time // when state was last seen to change
	// walked says the file was found by listing a new folder, not by its own event: it may be
	// the new name of a rename whose old name is reported after it (see pairWalked).
	walked bool
}

// created handles a new name: a new file or folder, or the new name of a rename.
func (w *Watcher) created(ctx context.Context, path string) {
	info, err := os.Lstat(path)
	if err != nil {
		return // gone again; its own events follow
	}
	if info.IsDir() {
		w.folderCreated(ctx, path)
		return
	}
	if !organize.IsGameFile(path) {
		w.m.Ignored.Inc()
		return
	}
	st, err := statFile(path)
	if err != nil {
		return
	}
	if w.ignored(ctx, path) {
		w.m.Ignored.Inc()
		w.files[path] = st
		delete(w.pending, path)
		return
	}
	if r := w.pairFile(path, st); r != nil {
		w.renames = removeRename(w.renames, r)
		if r.known {
			w.files[path] = st
			w.forwardMove(ctx, r.path, path)
			return
		}
	}
	w.settle(path, st, false)
}

// folderCreated watches a new folder and what it holds. When it is the new name of a folder
// renamed inside the same library, the game files in it moved; the rest are new.
func (w *Watcher) folderCreated(ctx context.Context, dir string) {
	r := w.pairFolder(dir)
	if r != nil {
		w.renames = removeRename(w.renames, r)
	}
	w.watchTree(dir, func(path string, st fileState) {
		if r != nil {
			rel, err := filepath.Rel(dir, path)
			if _, known := r.files[rel]; err == nil && known {
				delete(r.files, rel)
				w.files[path] = st
				if w.ignored(ctx, path) {
					w.m.Ignored.Inc()
					return
				}
				w.forwardMove(ctx, filepath.Join(r.path, rel), path)
				return
			}
		}
		w.settle(path, st, true)
	})
	if r != nil {
		// Known files the folder no longer holds went somewhere else before it moved.
		for rel := range r.files {
			w.forwardDelete(ctx, filepath.Join(r.path, rel))
		}
	}
	w.publishDirectories()
}

// written handles a write to a file: it settles again before it is forwarded.
func (w *Watcher) written(path string) {
	if !organize.IsGameFile(path) {
		return
	}
	if _, settlingAlready := w.pending[path]; settlingAlready {
		return // the next look at it sees the change
	}
	if st, err := statFile(path); err == nil {
		w.settle(path, st, false)
	}
}

// renamed handles an old name. Its new name, if it is in the same library, arrives as a create
// within MoveWindow; otherwise the file or folder left the library.
func (w *Watcher) renamed(ctx context.Context, path string) {
	if watched, isRoot := w.roots[path]; isRoot {
		if watched {
			w.loseLibrary(path)
		}
		return
	}
	root, _ := w.rootOf(path)
	if _, isDir := w.dirs[path]; isDir {
		files := map[string]fileState{}
		for p, st := range w.files {
			if within(p, path) {
				if rel, err := filepath.Rel(path, p); err == nil {
					files[rel] = st
				}
			}
		}
		w.forgetTree(path)
		w.publishDirectories()
		r := &rename{path: path, root: root, at: time.Now(), dir: true, files: files}
		if dest := w.pairWalkedFolder(r); dest != "" {
			w.folderMoved(ctx, r, dest)
			return
		}
		w.renames = append(w.renames, r)
		return
	}
	if !organize.IsGameFile(path) {
		return
	}
	st, known := w.files[path]
	delete(w.files, path)
	delete(w.pending, path)
	if w.ignored(ctx, path) {
		w.m.Ignored.Inc()
		return
	}
	size := int64(-1)
	if known {
		size = st.size
		if dest := w.pairWalked(root, path, size); dest != "" {
			w.files[dest] = w.pending[dest].state
			delete(w.pending, dest)
			w.forwardMove(ctx, path, dest)
			return
		}
	}
	w.renames = append(w.renames, &rename{path: path, root: root, at: time.Now(), known: known, size: size})
}

// removed handles a deleted file or folder.
func (w *Watcher) removed(ctx context.Context, path string) {
	if watched, isRoot := w.roots[path]; isRoot {
		if watched {
			w.loseLibrary(path)
		}
		return
	}
	if _, isDir := w.dirs[path]; isDir {
		// Usually empty by now: deleting a folder deletes (and reports) its files first.
		var gone []string
		for p := range w.files {
			if within(p, path) {
				gone = append(gone, p)
			}
		}
		w.forgetTree(path)
		w.publishDirectories()
		for _, p := range gone {
			w.forwardDelete(ctx, p)
		}
		return
	}
	if !organize.IsGameFile(path) {
		return
	}
	_, wasSettling := w.pending[path]
	_, known := w.files[path]
	delete(w.pending, path)
	delete(w.files, path)
	if wasSettling && !known {
		return // created and deleted before it was ever forwarded
	}
	w.forwardDelete(ctx, path)
}

// settle starts (or restarts) the wait for path to stop changing, unless it is exactly as the
// catalog last heard of it.
func (w *Watcher) settle(path string, st fileState, walked bool) {
	if known, ok := w.files[path]; ok && known == st {
		return
	}
	if s, ok := w.pending[path]; ok {
		if s.state != st {
			s.state, s.since = st, time.Now()
		}
		return
	}
	w.pending[path] = &settling{state: st, since: time.Now(), walked: walked}
}

// forwardSettled forwards the files that have not changed for the settling period.
func (w *Watcher) forwardSettled(ctx context.Context, now time.Time) {
	for path, s := range w.pending {
		st, err := statFile(path)
		if err != nil {
			delete(w.pending, path) // gone; its remove or rename event says the rest
			continue
		}
		if st != s.state {
			s.state, s.since = st, now
			continue
		}
		if now.Sub(s.since) < w.opts.Settle {
			continue
		}
		delete(w.pending, path)
		w.files[path] = st
		if w.ignored(ctx, path) {
			w.m.Ignored.Inc()
			continue
		}
		w.forwardAdd(ctx, path)
	}
}
