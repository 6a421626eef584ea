package catalog

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/organize"
)

func (b testBundle) seen(n int, size int64) []Seen {
	out := make([]Seen, n)
	for i := range out {
		out[i] = Seen{Path: filepath.Join(b.lib.Path, fmt.Sprintf("Game %03d [0100ABCD%04X0000][v0].nsp", i, i)),
			Size: size, Mtime: time.UnixMicro(1_700_000_000_000_000)}
	}
	return out
}

func changedCount(rows []Upserted) int {
	n := 0
	for _, r := range rows {
		if r.Changed {
			n++
		}
	}
	return n
}

func TestUpsertFilesRewritesOnlyNewAndChangedFilesAcrossStatementBatches(t *testing.T) {
	b := setup(t)
	seen := b.seen(rowBatch+50, 1000)
	first, err := UpsertFiles(b.db, b.lib.ID, seen)
	if err != nil || len(first) != len(seen) || changedCount(first) != len(seen) {
		t.Fatalf("first upsert: %d rows, %d changed, err %v", len(first), changedCount(first), err)
	}
	for i, r := range first {
		if r.Path != seen[i].Path || r.ID == 0 || r.Extension != "nsp" {
			t.Fatalf("row %d: %+v, want the file at %s in input order", i, r.File, seen[i].Path)
		}
	}
	b.identify(t, first[7].File, baseApp)

	again, err := UpsertFiles(b.db, b.lib.ID, seen)
	if err != nil || len(again) != len(seen) || changedCount(again) != 0 {
		t.Fatalf("unchanged upsert: %d rows, %d changed, err %v", len(again), changedCount(again), err)
	}
	if again[7].ID != first[7].ID || !again[7].Identified {
		t.Fatalf("an unchanged file keeps its row and identification: %+v", again[7].File)
	}

	seen[7].Size = 2000
	third, err := UpsertFiles(b.db, b.lib.ID, seen)
	if err != nil || changedCount(third) != 1 || !third[7].Changed || third[7].Identified {
		t.Fatalf("one changed file: %d changed, row %+v, err %v", changedCount(third), third[7], err)
	}
	if owned := b.owned(t)[appKey(baseID, 0)]; owned {
		t.Fatal("the changed file's apps are unlinked, so its base game is no longer owned")
	}
}

func TestRecordIdentificationsRecordsBadFilesWithTheirReasonAndTheOthersGoOn(t *testing.T) {
	b := setup(t)
	good, unidentifiable, invalid, gone := b.addFile(t, "good.nsp"), b.addFile(t, "bad.nsp"),
		b.addFile(t, "invalid.nsp"), b.addFile(t, "gone.nsp")
	if err := DeleteFile(b.db, gone.ID); err != nil {
		t.Fatal(err)
	}
	n, err := RecordIdentifications(b.db, []Identification{
		{FileID: good.ID, Apps: []AppRef{baseApp, updateApp}, Method: identify.MethodFilename, Note: "a note"},
		{FileID: unidentifiable.ID, Error: "unidentifiable: no [app id] in file name"},
		{FileID: invalid.ID, Apps: []AppRef{{AppID: "nope", TitleID: baseID, Type: identify.TypeBase}}, Method: identify.MethodFilename},
		{FileID: gone.ID, Apps: []AppRef{dlcApp}, Method: identify.MethodFilename},
	})
	if err != nil || n != 3 {
		t.Fatalf("recorded %d, err %v; want the 3 files still in the catalog", n, err)
	}
	g, _ := FileByID(b.db, good.ID)
	if !g.Identified || g.IdentificationMethod != identify.MethodFilename || g.IdentificationNote != "a note" || g.IdentificationAttempts != 1 {
		t.Fatalf("good file: %+v", g)
	}
	apps, err := AppsOfFile(b.db, good.ID)
	if err != nil || len(apps) != 2 || !apps[0].Owned {
		t.Fatalf("good file's apps: %+v, err %v", apps, err)
	}
	u, _ := FileByID(b.db, unidentifiable.ID)
	if u.Identified || !strings.Contains(u.IdentificationError, "unidentifiable") || u.IdentificationAttempts != 1 {
		t.Fatalf("unidentifiable file: %+v", u)
	}
	i, _ := FileByID(b.db, invalid.ID)
	if i.Identified || !strings.Contains(i.IdentificationError, "invalid app id") {
		t.Fatalf("a file with invalid apps is recorded as unidentified with why: %+v", i)
	}
	if _, err := TitleByTitleID(b.db, baseID); err != nil {
		t.Fatalf("the good file's title has a row: %v", err)
	}
	if b.owned(t)[appKey(dlcID, 65536)] {
		t.Fatal("nothing is linked to a file no longer in the catalog")
	}
}

func TestAddMissingAppsAddsOnlyWhatIsMissing(t *testing.T) {
	b := setup(t)
	b.identify(t, b.addFile(t, "base.nsp"), baseApp)
	known := []KnownApps{{TitleID: baseID, UpdateVersions: []int{65536, 131072}, DLCLatest: map[string]int{dlcID: 65536}},
		{TitleID: "0100ABCD99990000"}}
	added, err := AddMissingApps(b.db, known)
	if err != nil || added != 4 { // 2 updates, 1 DLC, the other title's base game
		t.Fatalf("added %d, err %v; want 4", added, err)
	}
	added, err = AddMissingApps(b.db, known)
	if err != nil || added != 0 {
		t.Fatalf("a second run added %d, err %v; want nothing", added, err)
	}
	owned := b.owned(t)
	if !owned[appKey(baseID, 0)] || owned[appKey(updateID, 131072)] {
		t.Fatalf("ownership: %v", owned)
	}
}

func TestRefreshTitlesWritesOnlyTitlesThatChange(t *testing.T) {
	b := setup(t)
	b.identify(t, b.addFile(t, "base.nsp"), baseApp, updateApp)
	facts := []TitleFacts{{TitleID: baseID, Known: true, Name: "Lumen Drift", IconURL: "icon", LatestVersion: 131072,
		DLCLatest: map[string]int{dlcID: 0}}}
	changed, err := RefreshTitles(b.db, facts)
	if err != nil || changed != 1 {
		t.Fatalf("changed %d, err %v", changed, err)
	}
	title, err := TitleByTitleID(b.db, baseID)
	if err != nil || title.Name != "Lumen Drift" || !title.HasBase || !title.UpToDate || title.Complete {
		t.Fatalf("title: %+v, err %v", title, err)
	}
	if changed, err = RefreshTitles(b.db, facts); err != nil || changed != 0 {
		t.Fatalf("an unchanged title is not written again: changed %d, err %v", changed, err)
	}
	facts[0].Known = false
	facts[0].LatestVersion = 196608
	if changed, err = RefreshTitles(b.db, facts); err != nil || changed != 1 {
		t.Fatalf("changed %d, err %v", changed, err)
	}
	title, _ = TitleByTitleID(b.db, baseID)
	if title.Name != "Lumen Drift" || title.UpToDate {
		t.Fatalf("an unknown title keeps its name; a newer update makes it out of date: %+v", title)
	}
}

func TestRecordMovesAndTheirJournalAcrossStatementBatches(t *testing.T) {
	b := setup(t)
	seen := b.seen(rowBatch+30, 1000)
	rows, err := UpsertFiles(b.db, b.lib.ID, seen)
	if err != nil {
		t.Fatal(err)
	}
	var moves []Move
	var announced []organize.Announced
	for _, r := range rows {
		dest := filepath.Join(b.lib.Path, "Moved", fmt.Sprintf("File %d.nsz", r.ID))
		moves = append(moves, Move{FileID: r.ID, Path: dest})
		announced = append(announced, organize.Announced{Src: r.Path, Dest: dest})
	}
	moves = append(moves, Move{FileID: 1 << 40, Path: filepath.Join(b.lib.Path, "no such row.nsp")})
	if err := (MoveJournal{DB: b.db, TTL: time.Minute}).AnnounceAll(announced); err != nil {
		t.Fatal(err)
	}
	if err := RecordMoves(b.db, moves); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		got, err := FileByID(b.db, r.ID)
		want := moves[i].Path
		if err != nil || got.Path != want || got.Folder != filepath.Join(b.lib.Path, "Moved") ||
			got.Name != fmt.Sprintf("File %d.nsz", r.ID) || got.Extension != "nsz" {
			t.Fatalf("file %d: %+v, %v; want it at %s", r.ID, got, err, want)
		}
		dests, err := EarlierDestinations(b.db, r.Path)
		if err != nil || len(dests) != 1 || dests[0] != want {
			t.Fatalf("journal of %s: %v, %v; want %s", r.Path, dests, err, want)
		}
		for _, p := range []string{r.Path, want} {
			if ignored, err := ConsumeIgnoredEvent(b.db, p); err != nil || !ignored {
				t.Fatalf("events on %s are ignored: %v, %v", p, ignored, err)
			}
		}
	}
}

func TestMissingFilesFindsTheMissingOfEveryPageByPath(t *testing.T) {
	b := setup(t)
	seen := b.seen(2*missingPage+1, 1000)
	if _, err := UpsertFiles(b.db, b.lib.ID, seen); err != nil {
		t.Fatal(err)
	}
	other, err := EnsureLibrary(b.db, b.lib.Path+"-other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UpsertFiles(b.db, other.ID, []Seen{{Path: filepath.Join(other.Path, "a.nsp"), Size: 1}}); err != nil {
		t.Fatal(err)
	}
	var want []string
	calls := 0
	missing, err := MissingFiles(b.db, b.lib.ID, func(p string) bool {
		calls++
		gone := calls%3 == 0 || calls == 2*missingPage+1 // some of each page, and the last one
		if gone {
			want = append(want, p)
		}
		return !gone
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(seen) {
		t.Fatalf("exists called %d times for %d files", calls, len(seen))
	}
	var got []string
	for _, f := range missing {
		got = append(got, f.Path)
	}
	assertEqual(t, "missing paths", got, want)
}
