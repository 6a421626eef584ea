package titledb

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseTitlesNormalisesIDsAndSkipsEntriesWithoutOne(t *testing.T) {
	t.Parallel()
	titles, err := parseTitles(strings.NewReader(testTitles), "titles.US.en.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "title count", 3, len(titles))

	first := titles["0100AAAA00010000"]
	equal(t, "name of the first listing", "First Light™", first.Name)
	equal(t, "release date from YYYYMMDD number", "2020-01-02", first.ReleaseDate)
	equal(t, "nsuId", int64(70010000000001), first.NsuID)
	equal(t, "version", 131072, first.Version)
	equal(t, "size", int64(1000), first.Size)
	equalSlices(t, "categories without null", []string{"Action", "Puzzle"}, first.Categories)

	second, ok := titles["0100AAAA00020000"]
	if !ok {
		t.Fatal("lower-case id was not normalised to upper case")
	}
	equal(t, "release date from ISO string", "2021-03-04", second.ReleaseDate)
	equal(t, "size from string", int64(2000), second.Size)
	equal(t, "version null", 0, second.Version)
	equalSlices(t, "single category string", []string{"Racing"}, second.Categories)
	equal(t, "nsuId from key", int64(70010000000002), second.NsuID)

	equal(t, "nsuId null falls back to key", int64(70010000000004), titles["0100AAAA00011001"].NsuID)
}

func TestParseCnmtsResolvesBaseTitles(t *testing.T) {
	t.Parallel()
	apps, err := parseCnmts(strings.NewReader(testCnmts), "cnmts.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		app     string
		version int
		want    AppInfo
	}{
		// A base names its update in otherApplicationId; its title is itself.
		{"0100AAAA00010000", 0, AppInfo{KindBase, "0100AAAA00010000"}},
		{"0100AAAA00010800", 65536, AppInfo{KindUpdate, "0100AAAA00010000"}},
		{"0100AAAA00010800", 131072, AppInfo{KindUpdate, "0100AAAA00010000"}},
		{"0100AAAA00011001", 65536, AppInfo{KindDLC, "0100AAAA00010000"}},
		// No otherApplicationId: derived from the numbering convention.
		{"0100AAAA00011002", 0, AppInfo{KindDLC, "0100AAAA00010000"}},
	}
	for _, tt := range tests {
		got, ok := apps[tt.app].at(tt.version)
		if !ok {
			t.Errorf("%s v%d missing", tt.app, tt.version)
		}
		equal(t, tt.app, tt.want, got)
	}
	if _, ok := apps["0100AAAA00030000"]; ok {
		t.Error("a system title (type 1) was kept")
	}
	if _, ok := apps["0100AAAA00040000"]; ok {
		t.Error("an app with only a non-numeric version was kept")
	}
}

func TestParseVersionsStoresUpdateIDsUnderTheirBase(t *testing.T) {
	t.Parallel()
	versions, err := parseVersions(strings.NewReader(testVersions), "versions.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "titles", 2, len(versions))
	equal(t, "date", "2020-02-01", versions["0100AAAA00010000"][65536])
	equal(t, "date of an update-id key", "2021-04-01", versions["0100AAAA00020000"][65536])
}

func TestParseRejectsBrokenFilesNamingThem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, mentions string
	}{
		{"empty", "", "empty file"},
		{"html error page", "<html>502</html>", "invalid character"},
		{"truncated", testCnmts[:len(testCnmts)/2], "unexpected EOF"},
		{"truncated after last entry", `{"0100aaaa00010000": {}`, "unexpected EOF"},
		{"array", `[1, 2]`, "want a JSON object"},
		{"null", `null`, "want a JSON object"},
		{"trailing object", `{} {}`, "unexpected data"},
		{"trailing garbage", `{}}`, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseCnmts(strings.NewReader(tt.input), "cnmts.json", DefaultMaxFileSize)
			assertErrorMentions(t, err, "cnmts.json", tt.mentions)
		})
	}
}

func TestParseEnforcesTheSizeLimit(t *testing.T) {
	t.Parallel()
	limit := int64(len(testVersions))
	if _, err := parseVersions(strings.NewReader(testVersions), "versions.json", limit); err != nil {
		t.Fatalf("a file of exactly the limit was rejected: %v", err)
	}
	_, err := parseVersions(strings.NewReader(testVersions), "versions.json", limit-1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	assertErrorMentions(t, err, "versions.json")
}

func TestLimitedReaderPassesThroughEOF(t *testing.T) {
	t.Parallel()
	b, err := io.ReadAll(newLimitedReader(strings.NewReader("abc"), 3))
	if err != nil || string(b) != "abc" {
		t.Fatalf("got %q, %v", b, err)
	}
}

func TestNormalizeID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0100abcd12340000", "0100ABCD12340000", true},
		{" 0100ABCD12340000\n", "0100ABCD12340000", true},
		{"0100ABCD1234000", "", false},
		{"0100ABCD123400000", "", false},
		{"0100ABCD1234000G", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReleaseDate(t *testing.T) {
	t.Parallel()
	tests := map[text]string{
		"20170303":             "2017-03-03",
		"2017-03-03":           "2017-03-03",
		"2017-03-03T00:00:00Z": "2017-03-03",
		"0":                    "",
		"20171399":             "",
		"TBA":                  "",
		"":                     "",
	}
	for in, want := range tests {
		equal(t, string(in), want, releaseDate(in))
	}
}

// An app listed twice keeps the versions of both entries, the later entry
// winning a version both list, in ascending order.
func TestParseCnmtsMergesRepeatedApps(t *testing.T) {
	t.Parallel()
	const input = `{
		"0100AAAA00011001": {"131072": {"titleType": 130, "otherApplicationId": "0100AAAA00010000"},
		                     "0": {"titleType": 130, "otherApplicationId": "0100AAAA00010000"}},
		"0100aaaa00011001": {"65536": {"titleType": 130, "otherApplicationId": "0100AAAA00010000"},
		                     "0": {"titleType": 130, "otherApplicationId": "0100BBBB00010000"}}
	}`
	apps, err := parseCnmts(strings.NewReader(input), "cnmts.json", DefaultMaxFileSize)
	if err != nil {
		t.Fatal(err)
	}
	got := apps["0100AAAA00011001"]
	var versions []int
	for _, v := range got {
		versions = append(versions, v.version)
	}
	equalSlices(t, "versions", []int{0, 65536, 131072}, versions)
	first, _ := got.at(0)
	equal(t, "later entry wins", AppInfo{KindDLC, "0100BBBB00010000"}, first)
	if _, ok := got.at(1); ok {
		t.Error("version 1 found")
	}
}
