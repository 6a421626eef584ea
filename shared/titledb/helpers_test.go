package titledb

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A small titledb written the way the real one is: upper-case ids in the
// titles file, lower-case ids in cnmts.json and versions.json, a null id, a
// duplicate listing, and fields whose JSON types drift.
const (
	testTitles = `{
  "70010000000001": {"id": "0100AAAA00010000", "name": "First Light™", "publisher": "Dawn", "releaseDate": 20200102,
                     "category": ["Action", null, "Puzzle"], "nsuId": 70010000000001, "size": 1000, "version": 131072,
                     "iconUrl": "", "screenshots": ["x"], "rating": {"a": 1}},
  "70010000000002": {"id": "0100aaaa00020000", "name": "Second Wind", "releaseDate": "2021-03-04", "size": "2000",
                     "category": "Racing", "version": null},
  "70010000000003": {"id": null, "name": "A Bundle Without An Id"},
  "70010000000004": {"id": "0100AAAA00011001", "name": "First Light - Extra", "nsuId": null},
  "70010000000005": {"id": "0100AAAA00010000", "name": "First Light (other listing)"},
  "70010000000006": {"id": "not-an-id", "name": "Broken"},
  "70010000000007": "not an object"
}`
	testCnmts = `{
  "0100aaaa00010000": {"0": {"titleType": 128, "otherApplicationId": "0100aaaa00010800"}},
  "0100aaaa00010800": {"65536": {"titleType": 129, "otherApplicationId": "0100aaaa00010000"},
                       "131072": {"titleType": 129, "otherApplicationId": "0100AAAA00010000"}},
  "0100AAAA00011001": {"0": {"titleType": 130, "otherApplicationId": "0100aaaa00010000"},
                       "65536": {"titleType": 130, "otherApplicationId": "0100aaaa00010000"}},
  "0100aaaa00011002": {"0": {"titleType": 130}},
  "0100aaaa00020000": {"0": {"titleType": 128, "otherApplicationId": "0100aaaa00020800"}},
  "0100aaaa00030000": {"0": {"titleType": 1}},
  "0100aaaa00040000": {"x": {"titleType": 128}}
}`
	testVersions = `{
  "0100aaaa00010000": {"131072": "2020-03-01", "65536": "2020-02-01"},
  "0100AAAA00020800": {"65536": "20210401"},
  "zz": {"65536": "2020-01-01"}
}`
	testLanguages = `{"US": ["en", "es"], "DE": ["de"]}`
)

// writeTitleDB writes a titledb for US/en into dir.
func writeTitleDB(t *testing.T, dir, titles, cnmts, versions string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "titles.US.en.json"), titles)
	writeFile(t, filepath.Join(dir, "cnmts.json"), cnmts)
	writeFile(t, filepath.Join(dir, "versions.json"), versions)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot reads every file in dir, to prove a failed fetch changed nothing.
// snapshot reads the files of dir but the source record, whose check time
// changes on every fetch.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string][]byte)
	for _, e := range entries {
		if e.Name() == sourceFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func assertSameFiles(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	for name, w := range want {
		if g, ok := got[name]; !ok || !bytes.Equal(w, g) {
			t.Errorf("%s changed:\nwant %q\n got %q", name, w, g)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected file %s left behind", name)
		}
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tempSuffix) {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
}

func assertErrorMentions(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func equal[T comparable](t *testing.T, what string, want, got T) {
	t.Helper()
	if want != got {
		t.Errorf("%s: want %v, got %v", what, want, got)
	}
}

func equalSlices[T comparable](t *testing.T, what string, want, got []T) {
	t.Helper()
	if !slices.Equal(want, got) {
		t.Errorf("%s: want %v, got %v", what, want, got)
	}
}
