package organize

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Journal records the organizer's moves before they happen. Place reads it
// back to finish or find a move that a crash interrupted; the watcher reads
// it to tell the organizer's own file events from a user's. The catalog
// implements it (catalog.MoveJournal).
type Journal interface {
	// Announce records that a move from src to dest is about to happen.
	Announce(src, dest string) error
	// EarlierDestinations lists where earlier moves of src were going,
	// newest first.
	EarlierDestinations(src string) ([]string, error)
}

// File is what Place knows of a file from the catalog: where it was last
// seen, and its size and modification time then (Move keeps both).
type File struct {
	Path  string
	Size  int64
	Mtime time.Time
}

// Outcome says what Place did.
type Outcome int

const (
	// AlreadyInPlace: the file is where it belongs; nothing moved.
	AlreadyInPlace Outcome = iota
	// Moved: the file was moved to Placed.Path.
	Moved
	// FoundMoved: an earlier, interrupted attempt had already moved it to
	// Placed.Path.
	FoundMoved
	// FinishedCopy: an earlier copy across file systems had completed
	// Placed.Path but not removed the source; the source is gone now.
	FinishedCopy
	// Gone: the file is neither where it was nor where a move took it.
	Gone
)

// Placed is where Place left a file.
type Placed struct {
	Outcome Outcome
	// Path is where the file is now; empty when Gone.
	Path string
}

// Place moves f to dest (or to a free variant of dest when another file
// holds that name), announcing the move in the journal first. It is safe to
// repeat after a crash at any point: a file an earlier attempt moved is
// found where the journal says it went, and a copy that completed but did
// not remove its source is finished. The caller records Placed.Path.
func Place(j Journal, f File, dest string) (Placed, error) {
	target, res, ok := planMove(j, f, dest, nil)
	if !ok {
		return res.Placed, res.Err
	}
	if err := j.Announce(f.Path, target); err != nil {
		return Placed{}, err
	}
	if err := Move(f.Path, target); err != nil {
		return Placed{}, fmt.Errorf("moving %s: %w", f.Path, err)
	}
	return Placed{Outcome: Moved, Path: target}, nil
}

// findMoved looks for a file that is no longer at its path where an earlier
// move of it was going (or at dest): same size and modification time.
func findMoved(j Journal, f File, dest string) (Placed, error) {
	candidates, err := j.EarlierDestinations(f.Path)
	if err != nil {
		return Placed{}, err
	}
	for _, c := range append(candidates, dest) {
		if info, err := os.Lstat(c); err == nil && info.Size() == f.Size && info.ModTime().UnixMicro() == f.Mtime.UnixMicro() {
			return Placed{Outcome: FoundMoved, Path: c}, nil
		}
	}
	return Placed{Outcome: Gone}, nil
}

// InPlace reports whether a file at path is where dest says, allowing for
// the " (2)" FreePath gives a file whose destination another file took
// (two dumps of the same app): without that, each run would move it on.
func InPlace(path, dest string) bool {
	if path == dest {
		return true
	}
	if filepath.Dir(path) != filepath.Dir(dest) {
		return false
	}
	ext := filepath.Ext(dest)
	stem := strings.TrimSuffix(filepath.Base(dest), ext)
	name := filepath.Base(path)
	if !strings.HasSuffix(name, ")"+ext) {
		return false
	}
	rest, found := strings.CutPrefix(strings.TrimSuffix(name, ")"+ext), stem+" (")
	if !found || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// finishedCopy reports whether dest is a complete copy of src made by an
// earlier organizer move: journaled as such, same size and modification
// time (Move keeps it) and same bytes.
func finishedCopy(j Journal, src, dest string, srcInfo, destInfo fs.FileInfo) (bool, error) {
	if srcInfo.Size() != destInfo.Size() || !srcInfo.ModTime().Equal(destInfo.ModTime()) || os.SameFile(srcInfo, destInfo) {
		return false, nil
	}
	dests, err := j.EarlierDestinations(src)
	if err != nil || !slices.Contains(dests, filepath.Clean(dest)) {
		return false, err
	}
	return sameContent(src, dest)
}

func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	bufA, bufB := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			return errB == io.EOF || errB == io.ErrUnexpectedEOF, nil
		}
		if errA != nil {
			return false, errA
		}
		if errB != nil {
			return false, errB
		}
	}
}
