package organize

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// journal keeps announced moves in memory, newest last, as the catalog's
// ignored_events table does on disk.
type journal struct {
	t     *testing.T
	moves [][2]string
}

func (j *journal) Announce(src, dest string) error {
	if _, err := os.Stat(src); err != nil {
		j.t.Errorf("a move of %s was announced after it started: %v", src, err)
	}
	j.moves = append(j.moves, [2]string{filepath.Clean(src), filepath.Clean(dest)})
	return nil
}

func (j *journal) EarlierDestinations(src string) ([]string, error) {
	var out []string
	for _, m := range slices.Backward(j.moves) {
		if m[0] == filepath.Clean(src) {
			out = append(out, m[1])
		}
	}
	return out, nil
}

// cataloged is what the catalog knows of a file on disk now.
func cataloged(t *testing.T, path string) File {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return File{Path: path, Size: info.Size(), Mtime: info.ModTime()}
}

func TestPlaceJournalsAMoveBeforeMakingIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "in", "a.nsp"), filepath.Join(dir, "Game", "Game [0100].nsp")
	writeFile(t, src, "game")
	j := &journal{t: t}

	got, err := Place(j, cataloged(t, src), dest)
	if err != nil {
		t.Fatal(err)
	}
	if got != (Placed{Outcome: Moved, Path: dest}) {
		t.Fatalf("Place = %+v, want moved to %s", got, dest)
	}
	if readFile(t, dest) != "game" {
		t.Fatal("the file's content did not arrive")
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatalf("the source is still there: %v", err)
	}
	if want := [][2]string{{src, dest}}; !slices.Equal(j.moves, want) {
		t.Fatalf("journal = %v, want %v", j.moves, want)
	}
}

func TestPlaceLeavesAFileThatIsInPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dest := filepath.Join(dir, "Game [0100].nsp")
	second := filepath.Join(dir, "Game [0100] (2).nsp")
	writeFile(t, dest, "one")
	writeFile(t, second, "two")
	j := &journal{t: t}
	for _, p := range []string{dest, second} {
		got, err := Place(j, cataloged(t, p), dest)
		if err != nil || got != (Placed{Outcome: AlreadyInPlace, Path: p}) {
			t.Fatalf("Place(%s) = %+v, %v; want in place", p, got, err)
		}
	}
	if len(j.moves) != 0 {
		t.Fatalf("nothing moved, yet the journal has %v", j.moves)
	}
}

func TestPlaceGivesAnotherFilesNameAFreeVariant(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "in", "a.nsp"), filepath.Join(dir, "Game [0100].nsp")
	writeFile(t, src, "mine")
	writeFile(t, dest, "someone else's")

	got, err := Place(&journal{t: t}, cataloged(t, src), dest)
	if err != nil {
		t.Fatal(err)
	}
	free := filepath.Join(dir, "Game [0100] (2).nsp")
	if got != (Placed{Outcome: Moved, Path: free}) {
		t.Fatalf("Place = %+v, want moved to %s", got, free)
	}
	if readFile(t, dest) != "someone else's" || readFile(t, free) != "mine" {
		t.Fatal("a file was overwritten")
	}
}

func TestPlaceFindsAFileAnInterruptedAttemptMoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "in", "a.nsp"), filepath.Join(dir, "Game [0100] (2).nsp")
	writeFile(t, src, "game")
	f := cataloged(t, src)
	j := &journal{t: t}
	// The earlier attempt journaled and moved it, then died before the
	// catalog heard: the catalog still says src.
	if err := j.Announce(src, dest); err != nil {
		t.Fatal(err)
	}
	if err := Move(src, dest); err != nil {
		t.Fatal(err)
	}

	got, err := Place(j, f, filepath.Join(dir, "Game [0100].nsp"))
	if err != nil {
		t.Fatal(err)
	}
	if got != (Placed{Outcome: FoundMoved, Path: dest}) {
		t.Fatalf("Place = %+v, want found at %s", got, dest)
	}
}

// twinDumps writes a source and its destination with the same bytes and modification time:
// what a cross-device copy leaves when it dies before removing its source, or a second dump.
func twinDumps(t *testing.T) (src, dest string) {
	dir := t.TempDir()
	src, dest = filepath.Join(dir, "in", "a.nsp"), filepath.Join(dir, "Game [0100].nsp")
	writeFile(t, src, "game")
	writeFile(t, dest, "game")
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, p := range []string{src, dest} {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return src, dest
}

func TestPlaceFinishesACopyThatDidNotRemoveItsSource(t *testing.T) {
	t.Parallel()
	src, dest := twinDumps(t)
	j := &journal{t: t, moves: [][2]string{{src, dest}}}

	got, err := Place(j, cataloged(t, src), dest)
	if err != nil {
		t.Fatal(err)
	}
	if got != (Placed{Outcome: FinishedCopy, Path: dest}) {
		t.Fatalf("Place = %+v, want the copy finished at %s", got, dest)
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatalf("the source is still there: %v", err)
	}
}

func TestPlaceDoesNotTakeAnUnjournaledTwinForACopy(t *testing.T) {
	t.Parallel()
	src, dest := twinDumps(t)

	got, err := Place(&journal{t: t}, cataloged(t, src), dest)
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != Moved || got.Path == dest {
		t.Fatalf("Place = %+v: a second dump of the same app must be kept beside the first", got)
	}
	if readFile(t, dest) != "game" || readFile(t, got.Path) != "game" {
		t.Fatal("a dump was lost")
	}
}

func TestPlaceReportsAFileThatIsGone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := File{Path: filepath.Join(dir, "gone.nsp"), Size: 4, Mtime: time.Now()}
	got, err := Place(&journal{t: t}, f, filepath.Join(dir, "Game [0100].nsp"))
	if err != nil || got != (Placed{Outcome: Gone}) {
		t.Fatalf("Place = %+v, %v; want gone", got, err)
	}
}
