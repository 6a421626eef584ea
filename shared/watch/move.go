package watch

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// rename is the old name of a file or folder, waiting for its new name. The kernel reports a
// rename as two events (the old name, then the new one); they are paired here by library,
// size and name, since fsnotify does not expose the kernel's cookie that links them.
type rename struct {
	path string
	root string // the library it was in; a move to another library is a delete and an add
	at   time.Time
	dir  bool
	// For a folder: the known game files that were in it, by path relative to it.
	files map[string]fileState
	// For a file: whether the catalog has heard of it, and its size (-1 when unknown).
	known bool
	size  int64
}

// pairFile finds the rename whose new name path is: in the same library, the same size and
// name first, then the same size, then the same name; the latest one among equals.
func (w *Watcher) pairFile(path string, st fileState) *rename {
	root, _ := w.rootOf(path)
	base := filepath.Base(path)
	var best *rename
	bestScore := 0
	for _, r := range w.renames {
		if r.dir || r.root != root {
			continue
		}
		score := 0
		if r.size >= 0 && r.size == st.size {
			score += 2
		}
		if filepath.Base(r.path) == base {
			score++
		}
		if score > 0 && score >= bestScore {
			best, bestScore = r, score
		}
	}
	return best
}

// pairFolder finds the folder rename whose new name dir is: in the same library, the same name
// first, else the latest.
func (w *Watcher) pairFolder(dir string) *rename {
	root, _ := w.rootOf(dir)
	base := filepath.Base(dir)
	var best *rename
	for _, r := range w.renames {
		if !r.dir || r.root != root {
			continue
		}
		if best == nil || filepath.Base(r.path) == base || filepath.Base(best.path) != base {
			best = r
		}
	}
	return best
}

// expireRenames turns the renames that found no new name in time into deletes: the file or
// folder left the library.
func (w *Watcher) expireRenames(ctx context.Context, now time.Time) {
	var expired []*rename
	w.renames = slices.DeleteFunc(w.renames, func(r *rename) bool {
		if now.Sub(r.at) < w.opts.MoveWindow {
			return false
		}
		expired = append(expired, r)
		return true
	})
	for _, r := range expired {
		switch {
		case r.dir:
			for rel := range r.files {
				w.forwardDelete(ctx, filepath.Join(r.path, rel))
			}
		case r.known:
			w.forwardDelete(ctx, r.path)
		}
	}
}

func removeRename(renames []*rename, r *rename) []*rename {
	return slices.DeleteFunc(renames, func(x *rename) bool { return x == r })
}

// pairWalked finds the new name of the file src (of the given size) among the files found by
// listing a new folder: when a folder is created and a file moved into it at once, the folder
// may be listed before the old name is reported. Same library and size are required; the same
// name is preferred.
func (w *Watcher) pairWalked(root, src string, size int64) string {
	best := ""
	for path, s := range w.pending {
		if !s.walked || s.state.size != size {
			continue
		}
		if r, _ := w.rootOf(path); r != root {
			continue
		}
		if best == "" || filepath.Base(path) == filepath.Base(src) {
			best = path
		}
	}
	return best
}

// pairWalkedFolder finds, among the files found by listing new folders, the new name of the
// renamed folder r (as pairWalked does for files): a folder holding r's files, each at the same
// relative path with the same size.
func (w *Watcher) pairWalkedFolder(r *rename) string {
	for path, s := range w.pending {
		if !s.walked {
			continue
		}
		for rel, st := range r.files {
			if st.size != s.state.size || !strings.HasSuffix(path, string(filepath.Separator)+rel) {
				continue
			}
			dest := strings.TrimSuffix(path, string(filepath.Separator)+rel)
			if root, _ := w.rootOf(dest); root == r.root && dest != r.path {
				return dest
			}
		}
	}
	return ""
}

// folderMoved forwards the moves of the files of the folder r, now at dest and already listed.
func (w *Watcher) folderMoved(ctx context.Context, r *rename, dest string) {
	for rel, st := range r.files {
		path := filepath.Join(dest, rel)
		s, listed := w.pending[path]
		if !listed || s.state.size != st.size {
			w.forwardDelete(ctx, filepath.Join(r.path, rel))
			continue
		}
		delete(w.pending, path)
		w.files[path] = s.state
		w.forwardMove(ctx, filepath.Join(r.path, rel), path)
	}
}
