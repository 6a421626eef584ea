package catalog

import (
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

const (
	baseID   = "0100ABCD12340000"
	updateID = "0100ABCD12340800"
	dlcID    = "0100ABCD12341001"
	dlc2ID   = "0100ABCD12341002"
)

var (
	baseApp   = AppRef{AppID: baseID, TitleID: baseID, Type: identify.TypeBase}
	updateApp = AppRef{AppID: updateID, TitleID: baseID, Type: identify.TypeUpdate, Version: 131072}
	dlcApp    = AppRef{AppID: dlcID, TitleID: baseID, Type: identify.TypeDLC, Version: 65536}
)

type testBundle struct {
	db  *gorm.DB
	lib Library
}

// setup opens a fresh database on the backend under test, with one library.
func setup(t *testing.T) testBundle {
	t.Helper()
	dir := t.TempDir()
	_, db := storetest.Open(t)
	lib, err := EnsureLibrary(db, filepath.Join(dir, "games"))
	if err != nil {
		t.Fatal(err)
	}
	return testBundle{db: db, lib: lib}
}

// addFile records a new file called name in the bundle's library.
func (b testBundle) addFile(t *testing.T, name string) File {
	t.Helper()
	f, changed, err := UpsertFile(b.db, b.lib.ID, filepath.Join(b.lib.Path, name), 1000, time.UnixMicro(1_700_000_000_000_000))
	if err != nil || !changed {
		t.Fatalf("adding %s: changed=%v err=%v", name, changed, err)
	}
	return f
}

func (b testBundle) identify(t *testing.T, f File, apps ...AppRef) {
	t.Helper()
	if err := RecordIdentification(b.db, f.ID, apps, identify.MethodFilename, ""); err != nil {
		t.Fatal(err)
	}
}

// owned returns "appid vN" -> owned for every apps row.
func (b testBundle) owned(t *testing.T) map[string]bool {
	t.Helper()
	var apps []App
	if err := b.db.Find(&apps).Error; err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, a := range apps {
		m[appKey(a.AppID, a.Version)] = a.Owned
	}
	return m
}

func appKey(id string, v int) string { return id + " v" + strconv.Itoa(v) }

// identify.App converts to AppRef without copying field by field.
var _ = AppRef(identify.App{})

func assertEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func TestMigrationCreatesCatalog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if store.LatestVersion() < 2 {
		t.Fatalf("latest migration %d, want >= 2", store.LatestVersion())
	}
	for _, table := range []string{"libraries", "files", "apps", "file_apps", "titles", "ignored_events"} {
		if !b.db.Migrator().HasTable(table) {
			t.Errorf("table %s missing", table)
		}
	}
}

func TestEnsureLibrary(t *testing.T) {
	t.Parallel()
	b := setup(t)
	again, err := EnsureLibrary(b.db, b.lib.Path+"/")
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "same library", again, b.lib)
	if _, err := EnsureLibrary(b.db, "relative/games"); err == nil {
		t.Fatal("relative path accepted")
	}
	if err := MarkLibraryScanned(b.db, b.lib.ID, time.UnixMicro(42)); err != nil {
		t.Fatal(err)
	}
	libs, err := Libraries(b.db)
	if err != nil || len(libs) != 1 || libs[0].LastScanAt == nil || *libs[0].LastScanAt != 42 {
		t.Fatalf("libraries %+v, %v", libs, err)
	}
	if err := MarkLibraryScanned(b.db, 999, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestUpsertFile(t *testing.T) {
	t.Parallel()
	mtime := time.UnixMicro(1_700_000_000_123_456)
	tests := []struct {
		name        string
		size        int64
		mtime       time.Time
		wantChanged bool
	}{
		{"same size and mtime", 1000, mtime, false},
		{"size differs", 2000, mtime, true},
		{"mtime differs", 1000, mtime.Add(time.Microsecond), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			path := filepath.Join(b.lib.Path, "Game", "Game [0100ABCD12340000][v0].NSP")
			first, changed, err := UpsertFile(b.db, b.lib.ID, path, 1000, mtime)
			if err != nil || !changed {
				t.Fatalf("first upsert: changed=%v err=%v", changed, err)
			}
			assertEqual(t, "split path", []string{first.Folder, first.Name, first.Extension},
				[]string{filepath.Join(b.lib.Path, "Game"), "Game [0100ABCD12340000][v0].NSP", "nsp"})
			assertEqual(t, "mtime", first.ModTime(), mtime)
			b.identify(t, first, baseApp)

			got, changed, err := UpsertFile(b.db, b.lib.ID, path, tt.size, tt.mtime)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "changed", changed, tt.wantChanged)
			assertEqual(t, "same row", got.ID, first.ID)
			assertEqual(t, "size", got.Size, tt.size)
			assertEqual(t, "identified", got.Identified, !tt.wantChanged)
			apps, err := AppsOfFile(b.db, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "apps kept", len(apps) == 1, !tt.wantChanged)
			assertEqual(t, "base owned", b.owned(t)[appKey(baseID, 0)], !tt.wantChanged)
		})
	}
}

func TestRecordIdentification(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.addFile(t, "bundle.xci")
	other := b.addFile(t, "base.nsp")
	b.identify(t, other, baseApp)
	// Lower-case ids and duplicates are normalised.
	lowerBase := AppRef{AppID: "0100abcd12340000", TitleID: "0100abcd12340000", Type: identify.TypeBase}
	b.identify(t, f, lowerBase, updateApp, dlcApp, dlcApp)

	got, err := FileByID(b.db, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "file state", []any{got.Identified, got.IdentificationMethod, got.IdentificationAttempts},
		[]any{true, identify.MethodFilename, 1})
	assertEqual(t, "ownership", b.owned(t), map[string]bool{
		appKey(baseID, 0): true, appKey(updateID, 131072): true, appKey(dlcID, 65536): true,
	})
	if _, err := TitleByTitleID(b.db, baseID); err != nil {
		t.Fatalf("title row not created: %v", err)
	}

	// Re-identifying replaces the file's apps; the base stays owned through
	// the other file, the dropped update is no longer owned.
	b.identify(t, f, baseApp, dlcApp)
	assertEqual(t, "ownership after re-identification", b.owned(t), map[string]bool{
		appKey(baseID, 0): true, appKey(updateID, 131072): false, appKey(dlcID, 65536): true,
	})
	apps, err := AppsOfFile(b.db, f.ID)
	if err != nil || len(apps) != 2 {
		t.Fatalf("apps of file: %+v, %v", apps, err)
	}
}

func TestRecordIdentificationErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.addFile(t, "game.nsp")
	tests := []struct {
		name   string
		fileID int64
		apps   []AppRef
		want   error
	}{
		{"unknown file", 999, []AppRef{baseApp}, ErrNotFound},
		{"no apps", f.ID, nil, nil},
		{"bad app id", f.ID, []AppRef{{AppID: "XYZ", TitleID: baseID, Type: identify.TypeBase}}, nil},
		{"bad type", f.ID, []AppRef{{AppID: baseID, TitleID: baseID, Type: "demo"}}, nil},
		{"negative version", f.ID, []AppRef{{AppID: baseID, TitleID: baseID, Type: identify.TypeBase, Version: -1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := RecordIdentification(b.db, tt.fileID, tt.apps, identify.MethodFilename, "")
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	assertEqual(t, "nothing written", b.owned(t), map[string]bool{})
}

func TestRecordIdentificationFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.addFile(t, "game.nsp")
	b.identify(t, f, baseApp)
	const reason = "unidentifiable: no [app id] in file name"
	for range 2 {
		if err := RecordIdentificationFailure(b.db, f.ID, reason); err != nil {
			t.Fatal(err)
		}
	}
	got, err := FileByID(b.db, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "file state", []any{got.Identified, got.IdentificationError, got.IdentificationAttempts},
		[]any{false, reason, 3})
	assertEqual(t, "apps released", b.owned(t), map[string]bool{appKey(baseID, 0): false})
	if err := RecordIdentificationFailure(b.db, 999, reason); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestUnidentifiedFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lib2, err := EnsureLibrary(b.db, filepath.Join(filepath.Dir(b.lib.Path), "more"))
	if err != nil {
		t.Fatal(err)
	}
	done := b.addFile(t, "done.nsp")
	b.identify(t, done, baseApp)
	fresh := b.addFile(t, "fresh.nsp")
	failed := b.addFile(t, "failed.nsp")
	for range 3 {
		if err := RecordIdentificationFailure(b.db, failed.ID, "no"); err != nil {
			t.Fatal(err)
		}
	}
	elsewhere, _, err := UpsertFile(b.db, lib2.ID, filepath.Join(lib2.Path, "x.nsp"), 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		libraryID   int64
		maxAttempts int
		want        []int64
	}{
		{"one library", b.lib.ID, 0, []int64{fresh.ID, failed.ID}},
		{"all libraries", 0, 0, []int64{fresh.ID, failed.ID, elsewhere.ID}},
		{"attempts limit", b.lib.ID, 3, []int64{fresh.ID}},
		{"limit above attempts", b.lib.ID, 4, []int64{fresh.ID, failed.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := UnidentifiedFiles(b.db, tt.libraryID, tt.maxAttempts)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, f := range files {
				ids = append(ids, f.ID)
			}
			assertEqual(t, "files", ids, tt.want)
		})
	}
}

func TestMoveFileKeepsIdentity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.addFile(t, "game.nsp")
	b.identify(t, f, baseApp)
	newPath := filepath.Join(b.lib.Path, "Game", "Game [0100ABCD12340000][v0].nsp")
	moved, err := MoveFile(b.db, f.ID, newPath)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "moved", []any{moved.ID, moved.Path, moved.Folder, moved.Name, moved.Identified},
		[]any{f.ID, newPath, filepath.Join(b.lib.Path, "Game"), "Game [0100ABCD12340000][v0].nsp", true})
	if _, err := FileByPath(b.db, newPath); err != nil {
		t.Fatal(err)
	}
	if _, err := FileByPath(b.db, f.Path); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old path still known: %v", err)
	}
	if apps, _ := AppsOfFile(b.db, f.ID); len(apps) != 1 {
		t.Fatalf("apps lost: %+v", apps)
	}
	if _, err := MoveFile(b.db, 999, newPath+"x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	other := b.addFile(t, "other.nsp")
	if _, err := MoveFile(b.db, other.ID, newPath); err == nil {
		t.Fatal("moved onto another file's path")
	}
}

func TestDeleteFilesNotIn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	keep := b.addFile(t, "keep.nsp")
	gone := b.addFile(t, "gone.nsp")
	b.identify(t, keep, baseApp)
	b.identify(t, gone, updateApp)
	seen := map[string]bool{keep.Path: true}

	missing, err := MissingFiles(b.db, b.lib.ID, func(p string) bool { return seen[p] })
	if err != nil || len(missing) != 1 || missing[0].ID != gone.ID {
		t.Fatalf("missing = %+v, %v", missing, err)
	}
	deleted, err := DeleteFilesNotIn(b.db, b.lib.ID, func(p string) bool { return seen[p] })
	if err != nil || len(deleted) != 1 || deleted[0].ID != gone.ID {
		t.Fatalf("deleted = %+v, %v", deleted, err)
	}
	files, err := FilesInLibrary(b.db, b.lib.ID)
	if err != nil || len(files) != 1 || files[0].ID != keep.ID {
		t.Fatalf("files = %+v, %v", files, err)
	}
	assertEqual(t, "ownership", b.owned(t), map[string]bool{appKey(baseID, 0): true, appKey(updateID, 131072): false})

	if err := DeleteFile(b.db, keep.ID); err != nil {
		t.Fatal(err)
	}
	if err := DeleteFile(b.db, keep.ID); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	assertEqual(t, "ownership after delete", b.owned(t), map[string]bool{appKey(baseID, 0): false, appKey(updateID, 131072): false})
}

func TestUpdateTitleFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		owned     []AppRef
		latest    int
		dlcLatest map[string]int
		want      [3]bool // has base, up to date, complete
	}{
		{"nothing owned", nil, 0, nil, [3]bool{false, false, true}},
		{"base only, no updates exist", []AppRef{baseApp}, 0, nil, [3]bool{true, true, true}},
		{"base only, update exists", []AppRef{baseApp}, 131072, nil, [3]bool{true, false, true}},
		{"latest update owned", []AppRef{baseApp, updateApp}, 131072, nil, [3]bool{true, true, true}},
		{"older update owned", []AppRef{baseApp, updateApp}, 196608, nil, [3]bool{true, false, true}},
		{"update without base", []AppRef{updateApp}, 131072, nil, [3]bool{false, true, true}},
		{"dlc at latest", []AppRef{baseApp, dlcApp}, 0, map[string]int{dlcID: 65536}, [3]bool{true, true, true}},
		{"dlc newer than known", []AppRef{baseApp, dlcApp}, 0, map[string]int{dlcID: 0}, [3]bool{true, true, true}},
		{"dlc outdated", []AppRef{baseApp, dlcApp}, 0, map[string]int{dlcID: 131072}, [3]bool{true, true, false}},
		{"dlc missing", []AppRef{baseApp, dlcApp}, 0, map[string]int{dlcID: 65536, dlc2ID: 0}, [3]bool{true, true, false}},
		{"lower-case dlc ids", []AppRef{baseApp, dlcApp}, 0, map[string]int{"0100abcd12341001": 65536}, [3]bool{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			if len(tt.owned) > 0 {
				b.identify(t, b.addFile(t, "f.nsp"), tt.owned...)
			}
			// Rows the library lacks must not count.
			if err := EnsureMissingApps(b.db, baseID, []int{65536, 131072, 196608}, map[string]int{dlcID: 131072, dlc2ID: 0}); err != nil {
				t.Fatal(err)
			}
			title, err := UpdateTitleFlags(b.db, baseID, tt.latest, tt.dlcLatest)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "flags", [3]bool{title.HasBase, title.UpToDate, title.Complete}, tt.want)
			stored, err := TitleByTitleID(b.db, baseID)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "stored", stored, title)
		})
	}
}

func TestEnsureMissingApps(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.identify(t, b.addFile(t, "u.nsp"), updateApp)
	for range 2 { // idempotent
		if err := EnsureMissingApps(b.db, "0100abcd12340000", []int{0, 65536, 131072}, map[string]int{"0100abcd12341001": 65536}); err != nil {
			t.Fatal(err)
		}
	}
	assertEqual(t, "rows", b.owned(t), map[string]bool{
		appKey(baseID, 0): false, appKey(updateID, 65536): false, appKey(updateID, 131072): true, appKey(dlcID, 65536): false,
	})
	// A base row at another version stops the v0 placeholder.
	b2 := setup(t)
	b2.identify(t, b2.addFile(t, "b.nsp"), AppRef{AppID: baseID, TitleID: baseID, Type: identify.TypeBase, Version: 65536})
	if err := EnsureMissingApps(b2.db, baseID, nil, nil); err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "no placeholder", b2.owned(t), map[string]bool{appKey(baseID, 65536): true})
	if err := EnsureMissingApps(b.db, baseID, nil, map[string]int{"nope": 1}); err == nil {
		t.Fatal("invalid dlc id accepted")
	}
}

func TestUpsertApp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, err := UpsertApp(b.db, AppRef{AppID: "0100abcd12341001", TitleID: baseID, Type: identify.TypeDLC, Version: 0})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "new app", []any{a.AppID, a.Owned, a.Type}, []any{dlcID, false, identify.TypeDLC})
	b.identify(t, b.addFile(t, "d.nsp"), AppRef{AppID: dlcID, TitleID: baseID, Type: identify.TypeDLC})
	again, err := UpsertApp(b.db, AppRef{AppID: dlcID, TitleID: baseID, Type: identify.TypeDLC})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "same row, ownership untouched", []any{again.ID, again.Owned}, []any{a.ID, true})
}

func TestRecomputeOwnership(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.identify(t, b.addFile(t, "b.nsp"), baseApp)
	if _, err := UpsertApp(b.db, updateApp); err != nil {
		t.Fatal(err)
	}
	if err := b.db.Exec(`UPDATE apps SET owned = NOT owned`).Error; err != nil {
		t.Fatal(err)
	}
	if err := RecomputeOwnership(b.db); err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "ownership", b.owned(t), map[string]bool{appKey(baseID, 0): true, appKey(updateID, 131072): false})
}

func TestDeleteTitlesWithNothingOwned(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const otherTitle = "0100FFFF00000000"
	f := b.addFile(t, "a.nsp")
	b.identify(t, f, baseApp)
	b.identify(t, b.addFile(t, "b.nsp"), AppRef{AppID: otherTitle, TitleID: otherTitle, Type: identify.TypeBase})
	for _, id := range []string{baseID, otherTitle} {
		if err := EnsureMissingApps(b.db, id, []int{65536}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := DeleteFile(b.db, f.ID); err != nil {
		t.Fatal(err)
	}
	n, err := DeleteTitlesWithNothingOwned(b.db)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want 1", n, err)
	}
	if _, err := TitleByTitleID(b.db, baseID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("title kept: %v", err)
	}
	if _, err := TitleByTitleID(b.db, otherTitle); err != nil {
		t.Fatalf("owned title deleted: %v", err)
	}
	assertEqual(t, "apps left", b.owned(t), map[string]bool{appKey(otherTitle, 0): true, appKey("0100FFFF00000800", 65536): false})
}

func TestIgnoredEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if err := AddIgnoredEvent(b.db, "/lib/in/a.nsp", "/lib/A/a.nsp", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := AddIgnoredEvent(b.db, "/lib/in/old.nsp", "/lib/Old/old.nsp", time.Microsecond); err != nil {
		t.Fatal(err)
	}
	if err := AddIgnoredEvent(b.db, "/a", "/b", 0); err == nil {
		t.Fatal("zero ttl accepted")
	}
	time.Sleep(2 * time.Millisecond)
	tests := []struct {
		path string
		want bool
	}{
		{"/lib/in/a.nsp", true},
		{"/lib/A/a.nsp", true},
		{"/lib/A/./a.nsp", true},
		{"/lib/A/a.nsp", true}, // several events per move
		{"/lib/in/old.nsp", false},
		{"/lib/Old/old.nsp", false},
		{"/lib/other.nsp", false},
	}
	for _, tt := range tests {
		got, err := ConsumeIgnoredEvent(b.db, tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("ConsumeIgnoredEvent(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	var left int64
	if err := b.db.Model(&IgnoredEvent{}).Count(&left).Error; err != nil || left != 1 {
		t.Fatalf("%d events left (%v), want the expired one purged", left, err)
	}
}

func TestRemoveLibrary(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lib2, err := EnsureLibrary(b.db, filepath.Join(filepath.Dir(b.lib.Path), "more"))
	if err != nil {
		t.Fatal(err)
	}
	b.identify(t, b.addFile(t, "a.nsp"), baseApp, dlcApp)
	f2, _, err := UpsertFile(b.db, lib2.ID, filepath.Join(lib2.Path, "b.nsp"), 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.identify(t, f2, baseApp)

	if err := RemoveLibrary(b.db, b.lib.Path); err != nil {
		t.Fatal(err)
	}
	if err := RemoveLibrary(b.db, b.lib.Path); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if files, _ := FilesInLibrary(b.db, b.lib.ID); len(files) != 0 {
		t.Fatalf("files left: %+v", files)
	}
	assertEqual(t, "ownership", b.owned(t), map[string]bool{appKey(baseID, 0): true, appKey(dlcID, 65536): false})
	if _, err := TitleByTitleID(b.db, baseID); err != nil {
		t.Fatalf("title still owned through the other library: %v", err)
	}
	if err := RemoveLibrary(b.db, lib2.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := TitleByTitleID(b.db, baseID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("title kept: %v", err)
	}
}

func TestFunctionsJoinTheCallersTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rollback := errors.New("rollback")
	err := b.db.Transaction(func(tx *gorm.DB) error {
		f, _, err := UpsertFile(tx, b.lib.ID, filepath.Join(b.lib.Path, "t.nsp"), 1, time.Now())
		if err != nil {
			return err
		}
		if err := RecordIdentification(tx, f.ID, []AppRef{baseApp}, identify.MethodFilename, ""); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	files, err := FilesInLibrary(b.db, b.lib.ID)
	if err != nil || len(files) != 0 {
		t.Fatalf("files after rollback: %+v, %v", files, err)
	}
	assertEqual(t, "apps after rollback", b.owned(t), map[string]bool{})
}

func TestNotedFilesAreListedByTitle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.addFile(t, "Game [0100ABCD12340000][UPD].nsp")
	const note = "the file name says an update but 0100ABCD12340000 is a base game"
	if err := RecordIdentification(b.db, f.ID, []AppRef{baseApp}, identify.MethodFilename, note); err != nil {
		t.Fatal(err)
	}
	b.identify(t, b.addFile(t, "Game [0100ABCD12340800][v131072].nsp"), updateApp)
	notes, err := NotedFilesOfTitles(b.db, []string{baseID, "0100FFFF00000000"})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "noted files", notes, []NotedFile{{TitleID: baseID, Path: f.Path, Note: note}})
	notes, err = NotedFilesOfTitles(b.db, []string{"0100FFFF00000000"})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "noted files of another title", len(notes), 0)
}
