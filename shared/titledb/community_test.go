package titledb

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixtures in testdata/community are excerpts of the community title
// database in its own layout (see testdata/community/README.md).
const communityDir = "testdata/community"

func readFixtureReader(t *testing.T, name string) io.Reader {
	t.Helper()
	return strings.NewReader(readFixture(t, name))
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(communityDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serveCommunity serves the fixtures as the community repository's raw
// files are served: <base>/IL.en.json, <base>/cnmts.json, ...
func serveCommunity(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.StripPrefix("/blawar/titledb/master", http.FileServer(http.Dir(communityDir))))
	t.Cleanup(srv.Close)
	return srv.URL + "/blawar/titledb/master/"
}

func TestFetchReadsTheCommunityLayoutFromABaseURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	changed, err := Fetch(context.Background(), nil, serveCommunity(t), dir, "IL", "en", discardLog())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "changed", true, changed)
	db, err := Load(dir, "IL", "en")
	if err != nil {
		t.Fatal(err)
	}
	botw, ok := db.Title("01007EF00011E000")
	equal(t, "base known", true, ok)
	equal(t, "base name", "The Legend of Zelda: Breath of the Wild", botw.Name)
	pack, _ := db.Title("01007EF00011F001")
	equal(t, "dlc name", "The Master Trials - DLC Pack 1", pack.Name)
	equalSlices(t, "dlc of the title", []string{"01007EF00011F001"}, db.DLCs("01007EF00011E000"))
	locales := LoadLocales(dir)
	_, itInCH := locales.Has("CH", "it")
	equal(t, "languages.json installed", true, itInCH)
	src, ok := ReadSource(dir)
	equal(t, "source recorded", true, ok)
	equal(t, "source is the mirror", false, src.Sample)
	equal(t, "source locale", "IL/en", src.Region+"/"+src.Language)
	if src.CheckedAt.IsZero() || src.UpdatedAt.IsZero() {
		t.Errorf("source times not recorded: %+v", src)
	}
}

func TestBundledDLCGetTheBundlesName(t *testing.T) {
	t.Parallel()
	titles, err := parseTitles(readFixtureReader(t, "IL.en.json"), "IL.en.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	// DAEMON X MACHINA Digital Bonus lists six DLC; only 0100B6400CA5700A
	// is the listing's own id, the other five have no entry of their own.
	for _, id := range []string{"0100B6400CA57001", "0100B6400CA57006", "0100B6400CA57009", "0100B6400CA5700A"} {
		equal(t, id+" name", "DAEMON X MACHINA Digital Bonus", titles[id].Name)
		equal(t, id+" id", id, titles[id].ID)
	}
	equal(t, "bundle of another title", "Spirit Board Battle Set 2 - For Powerful Enemies", titles["01006A800016F069"].Name)
}

func TestVersionsOfUpdateIDKeysDoNotOverwriteTheBasesDates(t *testing.T) {
	t.Parallel()
	versions, err := parseVersions(readFixtureReader(t, "versions.json"), "versions.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	// versions.json dates 01007ef00011e000 v720896 2018-01-31 and, under
	// the update's id, 2018-10-09.
	equal(t, "BotW v720896", "2018-01-31", versions["01007EF00011E000"][720896])
	equal(t, "BotW versions", 10, len(versions["01007EF00011E000"]))
	equal(t, "0100A840047C2000 v65536", "2018-03-22", versions["0100A840047C2000"][65536])
}

func TestVersionsOfAnUpdateIDKeyFillWhatTheBaseLacks(t *testing.T) {
	t.Parallel()
	versions, err := parseVersions(stringsReader(`{
		"0100aaaa00010000": {"65536": "2020-02-01"},
		"0100aaaa00010800": {"65536": "2021-01-01", "131072": "2020-03-01"}
	}`), "versions.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "base's date kept", "2020-02-01", versions["0100AAAA00010000"][65536])
	equal(t, "missing version filled", "2020-03-01", versions["0100AAAA00010000"][131072])
}

func TestFetchReadsOwnfoilsZipLayout(t *testing.T) {
	t.Parallel()
	m := newMirror(t)
	m.set("/nightly/titledb.zip", buildZip(t, map[string]string{
		"titles.IL.en.json":     readFixture(t, "IL.en.json"),
		"titles.US.en.json":     testTitles,
		"cnmts.json":            readFixture(t, "cnmts.json"),
		"versions.json":         readFixture(t, "versions.json"),
		"versions.txt":          readFixture(t, "versions.txt"),
		"languages.json":        readFixture(t, "languages.json"),
		"latest_2d1b436":        "",
		"old/titles.IL.en.json": `{"1": {"id": "01007EF00011E000", "name": "stale"}}`,
	}))
	dir := t.TempDir()
	url := m.srv.URL + "/nightly/titledb.zip"
	if _, err := Fetch(context.Background(), m.srv.Client(), url, dir, "IL", "en", discardLog()); err != nil {
		t.Fatal(err)
	}
	db, err := Load(dir, "IL", "en")
	if err != nil {
		t.Fatal(err)
	}
	botw, _ := db.Title("01007EF00011E000")
	equal(t, "shallowest titles file", "The Legend of Zelda: Breath of the Wild", botw.Name)
	src, _ := ReadSource(dir)
	equal(t, "commit of latest_", "2d1b436", src.Commit)
	// Unchanged archive: the commit stays known.
	if _, err := Fetch(context.Background(), m.srv.Client(), url, dir, "IL", "en", discardLog()); err != nil {
		t.Fatal(err)
	}
	src, _ = ReadSource(dir)
	equal(t, "commit after a 304", "2d1b436", src.Commit)
}

func TestRefreshInstallsTheSampleWhenAFreshInstallIsOffline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	offline := "http://" + ln.Addr().String() + "/titledb/"
	ln.Close() // nothing listens there any more
	dir := t.TempDir()

	changed, err := Refresh(context.Background(), nil, offline, dir, "DE", "de", discardLog())
	if err != nil {
		t.Fatalf("offline fresh install: %v", err)
	}
	equal(t, "changed", true, changed)
	if _, err := Load(dir, "DE", "de"); err != nil {
		t.Fatalf("sample not usable: %v", err)
	}
	src, _ := ReadSource(dir)
	equal(t, "sample in use", true, src.Sample)
	if src.Fallback == "" {
		t.Error("the reason for the fallback is not recorded")
	}

	// With files installed, a failure is reported and nothing changes.
	if _, err := Refresh(context.Background(), nil, offline, dir, "DE", "de", discardLog()); err == nil {
		t.Fatal("second offline refresh: no error")
	}
	if _, err := Load(dir, "DE", "de"); err != nil {
		t.Fatalf("files lost after a failed refresh: %v", err)
	}
}

func TestLoadLocalesOffersTheEmbeddedChoicesWithoutADownload(t *testing.T) {
	t.Parallel()
	l := LoadLocales(t.TempDir())
	regionOK, langOK := l.Has("US", "en")
	equal(t, "US/en", true, regionOK && langOK)
	regionOK, langOK = l.Has("US", "de")
	equal(t, "US/de region", true, regionOK)
	equal(t, "US/de language", false, langOK)
	regionOK, _ = l.Has("XX", "en")
	equal(t, "XX", false, regionOK)
	if len(l.Regions()) < 40 {
		t.Errorf("only %d regions from the embedded languages.json", len(l.Regions()))
	}
}

func TestCustomTitlesAreMergedOverTheTitleDatabase(t *testing.T) {
	t.Parallel()
	db, err := LoadSample()
	if err != nil {
		t.Fatal(err)
	}
	before, _ := db.Title("0100A1B2C3D40000")
	db.SetCustom([]CustomTitle{
		{TitleID: "0100a1b2c3d40000", Name: "Lumen Drift (fan title)"},
		{TitleID: "05000FD261232000", Name: "Hocoslamfy", Publisher: "Nebuleon"},
		{TitleID: "05000FD261233001", Name: "Hocoslamfy extra"},
	})
	merged, ok := db.Title("0100A1B2C3D40000")
	equal(t, "known", true, ok)
	equal(t, "custom name wins", "Lumen Drift (fan title)", merged.Name)
	equal(t, "other fields kept", before.Publisher, merged.Publisher)
	homebrew, ok := db.Title("05000fd261232000")
	equal(t, "homebrew known", true, ok)
	equal(t, "homebrew publisher", "Nebuleon", homebrew.Publisher)
	kind, base, ok := db.AppType("05000FD261233001", 0)
	equal(t, "custom dlc typed by its id", "dlc/05000FD261232000/true", kind+"/"+base+"/"+map[bool]string{true: "true", false: "false"}[ok])
	db.SetCustom(nil)
	if _, ok := db.Title("05000FD261232000"); ok {
		t.Error("custom title still known after it was removed")
	}
}
