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
	t       *testing.T
	moves   [][2]string
	batches int // AnnounceAll calls
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

// AnnounceAll records a batch's moves, checking that none has started.
func (j *journal) AnnounceAll(moves []Announced) error {
	j.batches++
	for _, m := range moves {
		if err := j.Announce(m.Src, m.Dest); err != nil {
			return err
		}
	}
	return nil
}

func TestPlaceAllJournalsTheBatchOnceBeforeMovingAndKeepsTwoFilesForOneNameApart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dest := filepath.Join(dir, "Game", "Game [0100].nsp")
	a, b := filepath.Join(dir, "in", "a.nsp"), filepath.Join(dir, "in", "b.nsp")
	inPlace := filepath.Join(dir, "Other", "Other [0200].nsp")
	writeFile(t, a, "first dump")
	writeFile(t, b, "second dump")
	writeFile(t, inPlace, "other")
	gone := File{Path: filepath.Join(dir, "in", "gone.nsp"), Size: 1, Mtime: time.Now()}
	j := &journal{t: t}

	got := PlaceAll(j, []Item{
		{File: cataloged(t, a), Dest: dest},
		{File: cataloged(t, inPlace), Dest: inPlace},
		{File: gone, Dest: filepath.Join(dir, "Gone", "Gone.nsp")},
		{File: cataloged(t, b), Dest: dest},
	})
	second := filepath.Join(dir, "Game", "Game [0100] (2).nsp")
	want := []Result{
		{Placed: Placed{Outcome: Moved, Path: dest}},
		{Placed: Placed{Outcome: AlreadyInPlace, Path: inPlace}},
		{Placed: Placed{Outcome: Gone}},
		{Placed: Placed{Outcome: Moved, Path: second}},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("PlaceAll = %+v, want %+v", got, want)
	}
	if readFile(t, dest) != "first dump" || readFile(t, second) != "second dump" {
		t.Fatal("a dump was overwritten or lost")
	}
	if wantMoves := [][2]string{{a, dest}, {b, second}}; j.batches != 1 || !slices.Equal(j.moves, wantMoves) {
		t.Fatalf("journal = %v in %d writes, want %v in one", j.moves, j.batches, wantMoves)
	}
}

func TestPlaceAllFindsWhatAnInterruptedBatchMovedAndMovesTheRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var items []Item
	for _, name := range []string{"a", "b", "c"} {
		src := filepath.Join(dir, "in", name+".nsp")
		writeFile(t, src, name)
		items = append(items, Item{File: cataloged(t, src), Dest: filepath.Join(dir, name, name+".nsp")})
	}
	j := &journal{t: t}
	// The earlier attempt announced the whole batch, moved the first file
	// and died.
	for _, it := range items {
		if err := j.Announce(it.File.Path, it.Dest); err != nil {
			t.Fatal(err)
		}
	}
	if err := Move(items[0].File.Path, items[0].Dest); err != nil {
		t.Fatal(err)
	}

	got := PlaceAll(j, items)
	for i, r := range got {
		wantOutcome := Moved
		if i == 0 {
			wantOutcome = FoundMoved
		}
		if r != (Result{Placed: Placed{Outcome: wantOutcome, Path: items[i].Dest}}) {
			t.Fatalf("file %d: %+v, want %v at %s", i, r, wantOutcome, items[i].Dest)
		}
		if readFile(t, items[i].Dest) != []string{"a", "b", "c"}[i] {
			t.Fatalf("file %d did not arrive", i)
		}
	}
}
