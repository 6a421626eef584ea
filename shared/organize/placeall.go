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

// BatchJournal is a Journal that can announce many moves at once: one
// durable write for a batch instead of one per file.
type BatchJournal interface {
	Journal
	// AnnounceAll records that each move (src, dest) is about to happen.
	AnnounceAll(moves []Announced) error
}

// Announced is a move announced to a journal.
type Announced struct{ Src, Dest string }

// Item is a file for PlaceAll and where it belongs.
type Item struct {
	File File
	Dest string
}

// Result is what PlaceAll did with one Item; Err is that file's failure
// alone (the others went on).
type Result struct {
	Placed
	Err error
}

// syncers bounds the folder fsyncs PlaceAll runs at once: concurrent
// fsyncs on one file system share journal commits.
const syncers = 16

// PlaceAll does what Place does for each item, with the same crash safety,
// in three steps instead of one per file: it works out every target (a
// free variant when another file, or an earlier item of the batch, holds
// the destination), announces all the moves in one journal write, renames
// them, and then syncs each folder that received a file once. A move is
// durable when PlaceAll returns it as Moved, so the caller records it only
// then, as with Place. Results are in the order of items.
func PlaceAll(j BatchJournal, items []Item) []Result {
	out := make([]Result, len(items))
	taken := map[string]bool{} // targets of this batch's moves
	var announce []Announced
	var pending []int
	for i, it := range items {
		target, res, ok := planMove(j, it.File, it.Dest, taken)
		if !ok {
			out[i] = res
			continue
		}
		taken[filepath.Clean(target)] = true
		announce = append(announce, Announced{Src: it.File.Path, Dest: target})
		pending = append(pending, i)
		out[i].Placed = Placed{Outcome: Moved, Path: target}
	}
	if len(pending) == 0 {
		return out
	}
	if err := j.AnnounceAll(announce); err != nil {
		for _, i := range pending {
			out[i] = Result{Err: err}
		}
		return out
	}
	dirs := map[string][]int{} // folder to sync -> the moves it makes durable
	for _, i := range pending {
		src, dst := items[i].File.Path, out[i].Path
		synced, err := moveUnsynced(src, dst)
		if err != nil {
			out[i] = Result{Err: fmt.Errorf("moving %s: %w", src, err)}
			continue
		}
		if !synced {
			d := filepath.Dir(dst)
			dirs[d] = append(dirs[d], i)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, syncers)
	for d, moved := range dirs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := syncDir(d); err != nil {
				mu.Lock()
				for _, i := range moved {
					out[i] = Result{Err: fmt.Errorf("moving %s to %s: %w", items[i].File.Path, out[i].Path, err)}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

// planMove is Place up to the announcement: ok with the target when f is
// to be moved, otherwise what Place would have answered. taken holds
// targets already given to other files, which count as occupied.
func planMove(j Journal, f File, dest string, taken map[string]bool) (target string, res Result, ok bool) {
	if InPlace(f.Path, dest) {
		return "", Result{Placed: Placed{Outcome: AlreadyInPlace, Path: f.Path}}, false
	}
	src, err := os.Stat(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		p, err := findMoved(j, f, dest)
		return "", Result{Placed: p, Err: err}, false
	}
	if err != nil {
		return "", Result{Err: err}, false
	}
	occupied := func(p string) bool { return taken[filepath.Clean(p)] || exists(p) }
	if info, err := os.Lstat(dest); err == nil {
		done, err := finishedCopy(j, f.Path, dest, src, info)
		if err != nil {
			return "", Result{Err: err}, false
		}
		if done {
			if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", Result{Err: err}, false
			}
			return "", Result{Placed: Placed{Outcome: FinishedCopy, Path: dest}}, false
		}
	}
	return freePath(dest, occupied), Result{}, true
}

// moveUnsynced is Move without the sync of dst's folder after a rename,
// which the caller does once for many moves; synced says a cross-file
// system copy synced everything itself.
func moveUnsynced(src, dst string) (synced bool, err error) {
	info, err := os.Lstat(src)
	if err != nil {
		return false, err
	}
	if !info.Mode().IsRegular() {
		return false, errors.New("not a regular file")
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, err
	}
	err = renameNoReplace(src, dst)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, syscall.EXDEV):
		return true, moveByCopy(src, dst)
	case errors.Is(err, fs.ErrExist):
		return false, fmt.Errorf("to %s: %w", dst, ErrDestinationExists)
	default:
		return false, fmt.Errorf("to %s: %w", dst, err)
	}
}
