package titledb

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

func loadTestDB(t *testing.T) *DB {
	t.Helper()
	dir := t.TempDir()
	writeTitleDB(t, dir, testTitles, testCnmts, testVersions)
	db, err := Load(dir, "US", "en")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestTitleLookupIgnoresCase(t *testing.T) {
	t.Parallel()
	db := loadTestDB(t)
	title, ok := db.Title("0100aaaa00010000")
	if !ok {
		t.Fatal("title not found by lower-case id")
	}
	equal(t, "name", "First Light™", title.Name)
	if _, ok := db.Title("0100AAAA00099000"); ok {
		t.Error("unknown title found")
	}
	if _, ok := db.Title("bogus"); ok {
		t.Error("invalid id found")
	}
}

func TestReturnedSlicesDoNotAliasTheDB(t *testing.T) {
	t.Parallel()
	db := loadTestDB(t)
	title, _ := db.Title("0100AAAA00010000")
	title.Categories[0] = "changed"
	db.Versions("0100AAAA00010000")[0].Version = -1
	db.DLCs("0100AAAA00010000")[0] = "changed"

	again, _ := db.Title("0100AAAA00010000")
	equal(t, "category", "Action", again.Categories[0])
	equal(t, "version", 65536, db.Versions("0100AAAA00010000")[0].Version)
	equal(t, "dlc", "0100AAAA00011001", db.DLCs("0100AAAA00010000")[0])
}

func TestTitlesAreSortedByID(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, title := range loadTestDB(t).Titles() {
		ids = append(ids, title.ID)
	}
	equalSlices(t, "ids", []string{"0100AAAA00010000", "0100AAAA00011001", "0100AAAA00020000"}, ids)
}

func TestSearchIgnoresCaseAndTrademarks(t *testing.T) {
	t.Parallel()
	db := loadTestDB(t)
	var names []string
	for _, title := range db.Search("FIRST  light") {
		names = append(names, title.Name)
	}
	equalSlices(t, "matches", []string{"First Light - Extra", "First Light™"}, names)
	equal(t, "trademark sign ignored", 1, len(db.Search("light -")))
	equal(t, "empty query", 0, len(db.Search("  ")))
}

func TestAppTypeAnswersFromCnmts(t *testing.T) {
	t.Parallel()
	db := loadTestDB(t)
	tests := []struct {
		app        string
		version    int
		kind, base string
		ok         bool
	}{
		{"0100aaaa00010000", 0, KindBase, "0100AAAA00010000", true},
		{"0100AAAA00010800", 131072, KindUpdate, "0100AAAA00010000", true},
		// A version newer than the titledb still has the app's type.
		{"0100AAAA00010800", 196608, KindUpdate, "0100AAAA00010000", true},
		{"0100aaaa00011001", 0, KindDLC, "0100AAAA00010000", true},
		{"0100AAAA00099000", 0, "", "", false},
		{"nonsense", 0, "", "", false},
	}
	for _, tt := range tests {
		kind, base, ok := db.AppType(tt.app, tt.version)
		if kind != tt.kind || base != tt.base || ok != tt.ok {
			t.Errorf("AppType(%s, %d) = %q, %q, %v; want %q, %q, %v", tt.app, tt.version, kind, base, ok, tt.kind, tt.base, tt.ok)
		}
	}
}

func TestVersionsAreSortedAndFoundByUpdateID(t *testing.T) {
	t.Parallel()
	db := loadTestDB(t)
	want := []VersionInfo{{65536, "2020-02-01"}, {131072, "2020-03-01"}}
	equalSlices(t, "by base id", want, db.Versions("0100aaaa00010000"))
	equalSlices(t, "by update id", want, db.Versions("0100AAAA00010800"))

	latest, ok := db.LatestVersion("0100AAAA00010000")
	equal(t, "latest", 131072, latest)
	equal(t, "latest ok", true, ok)
	if _, ok := db.LatestVersion("0100AAAA00099000"); ok {
		t.Error("latest version of an unknown title")
	}
}

func TestDLCsAndTheirVersions(t *testing.T) {
	t.Parallel()
	db := loadTestDB(t)
	equalSlices(t, "dlcs", []string{"0100AAAA00011001", "0100AAAA00011002"}, db.DLCs("0100aaaa00010000"))
	equal(t, "no dlcs", 0, len(db.DLCs("0100AAAA00020000")))
	equalSlices(t, "dlc versions", []int{0, 65536}, db.DLCVersions("0100aaaa00011001"))
}

func TestLoadReportsTheMissingFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "titles.US.en.json"), testTitles)
	_, err := Load(dir, "US", "en")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("want fs.ErrNotExist, got %v", err)
	}
	assertErrorMentions(t, err, "cnmts.json")
}

func TestLoadRejectsFilesOverTheLimitBeforeReading(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTitleDB(t, dir, testTitles, testCnmts, testVersions)
	_, err := Options{MaxFileSize: int64(len(testCnmts)) - 1}.Load(dir, "US", "en")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	assertErrorMentions(t, err, "titles.US.en.json")
}

func TestLoadRejectsBadArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, locale := range [][2]string{{"../x", "en"}, {"US", ""}, {"US", "e/n"}} {
		if _, err := Load(dir, locale[0], locale[1]); err == nil {
			t.Errorf("Load accepted region %q lang %q", locale[0], locale[1])
		}
	}
	_, err := Options{MaxFileSize: -1}.Load(dir, "US", "en")
	assertErrorMentions(t, err, "MaxFileSize")
}
