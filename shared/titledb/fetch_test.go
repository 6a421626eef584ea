package titledb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fetchBundle is a mirror serving testTitles, testCnmts and testVersions
// under /db/, and an empty titledb directory to fetch into.
type fetchBundle struct {
	mirror *mirror
	dir    string
	url    string
}

func setupFetch(t *testing.T) *fetchBundle {
	t.Helper()
	m := newMirror(t)
	m.set("/db/titles.US.en.json", []byte(testTitles))
	m.set("/db/cnmts.json", []byte(testCnmts))
	m.set("/db/versions.json", []byte(testVersions))
	m.set("/db/languages.json", []byte(testLanguages))
	return &fetchBundle{mirror: m, dir: filepath.Join(t.TempDir(), "titledb"), url: m.srv.URL + "/db"}
}

// testLimit fits every test file; the oversized bodies exceed it.
const testLimit = 4096

func (b *fetchBundle) fetch(t *testing.T) (bool, error) {
	t.Helper()
	return Options{MaxFileSize: testLimit}.Fetch(context.Background(), b.mirror.srv.Client(), b.url, b.dir, "US", "en", discardLog())
}

func (b *fetchBundle) mustFetch(t *testing.T) bool {
	t.Helper()
	changed, err := b.fetch(t)
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

func TestFetchDownloadsEveryFileTheFirstTime(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)

	equal(t, "changed", true, b.mustFetch(t))

	for _, r := range b.mirror.seen() {
		if r.ifNoneMatch != "" || r.ifModifiedSince != "" {
			t.Errorf("first request for %s was conditional: %+v", r.path, r)
		}
	}
	files := snapshot(t, b.dir)
	equal(t, "titles", testTitles, string(files["titles.US.en.json"]))
	equal(t, "cnmts", testCnmts, string(files["cnmts.json"]))
	equal(t, "versions", testVersions, string(files["versions.json"]))
	if _, ok := files[stateFile]; !ok {
		t.Error("no fetch state saved")
	}
	if _, err := Load(b.dir, "US", "en"); err != nil {
		t.Errorf("fetched files do not load: %v", err)
	}
	assertNoTempFiles(t, b.dir)
}

func TestFetchSendsValidatorsAndTreats304AsUnchanged(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	b.mustFetch(t)
	first := map[string]seenRequest{}
	for _, r := range b.mirror.seen() {
		first[r.path] = r
	}
	before := snapshot(t, b.dir)

	equal(t, "changed", false, b.mustFetch(t))

	requests := b.mirror.seen()
	equal(t, "requests", 4, len(requests))
	for _, r := range requests {
		if !strings.HasPrefix(r.ifNoneMatch, `"`) {
			t.Errorf("%s: If-None-Match %q, want the ETag", r.path, r.ifNoneMatch)
		}
		if _, err := http.ParseTime(r.ifModifiedSince); err != nil {
			t.Errorf("%s: If-Modified-Since %q: %v", r.path, r.ifModifiedSince, err)
		}
	}
	assertSameFiles(t, before, snapshot(t, b.dir))
}

func TestFetchReplacesOnlyTheChangedFile(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	b.mustFetch(t)
	newCnmts := `{"0100aaaa00050000": {"0": {"titleType": 128}}}`
	b.mirror.set("/db/cnmts.json", []byte(newCnmts))

	equal(t, "changed", true, b.mustFetch(t))

	files := snapshot(t, b.dir)
	equal(t, "cnmts", newCnmts, string(files["cnmts.json"]))
	equal(t, "titles", testTitles, string(files["titles.US.en.json"]))
	db, err := Load(b.dir, "US", "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := db.AppType("0100AAAA00050000", 0); !ok {
		t.Error("new cnmts.json not in use")
	}
	// The third fetch is conditional again for every file.
	b.mirror.seen()
	equal(t, "changed", false, b.mustFetch(t))
}

func TestFailedFetchLeavesEveryOldFileInUse(t *testing.T) {
	t.Parallel()
	oversized := []byte(`{"0100aaaa00010000": {"65536": "` + strings.Repeat("x", testLimit) + `"}}`)
	tests := []struct {
		name     string
		respond  func(http.ResponseWriter)
		mentions string
	}{
		{"server error", respondStatus(http.StatusInternalServerError), "500"},
		{"not found", respondStatus(http.StatusNotFound), "404"},
		{"connection cut off", respondCutOff([]byte(testVersions)), "versions.json"},
		{"truncated json", respondStreamed([]byte(testVersions[:40])), "unexpected EOF"},
		{"not json", respondStreamed([]byte("<html>maintenance</html>")), "invalid character"},
		{"no entries", respondStreamed([]byte("{}")), "no usable entries"},
		{"oversized with length", func(w http.ResponseWriter) { w.Write(oversized) }, ErrTooLarge.Error()},
		{"oversized streamed", respondStreamed(oversized), ErrTooLarge.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupFetch(t)
			b.mustFetch(t)
			before := snapshot(t, b.dir)
			// Titles and cnmts change and download fine; versions.json,
			// fetched last, fails. Nothing may be replaced.
			b.mirror.set("/db/titles.US.en.json", []byte(`{"1": {"id": "0100AAAA00060000", "name": "New"}}`))
			b.mirror.set("/db/cnmts.json", []byte(`{"0100aaaa00060000": {"0": {"titleType": 128}}}`))
			b.mirror.breakWith("/db/versions.json", tt.respond)

			changed, err := b.fetch(t)

			assertErrorMentions(t, err, tt.mentions)
			equal(t, "changed", false, changed)
			assertSameFiles(t, before, snapshot(t, b.dir))
			assertNoTempFiles(t, b.dir)
		})
	}
}

func TestFetchDownloadsAgainWhenALocalFileWasRemoved(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	b.mustFetch(t)
	b.mirror.seen()
	if err := os.Remove(filepath.Join(b.dir, "cnmts.json")); err != nil {
		t.Fatal(err)
	}

	equal(t, "changed", true, b.mustFetch(t))

	for _, r := range b.mirror.seen() {
		conditional := r.ifNoneMatch != ""
		equal(t, r.path+" conditional", r.path != "/db/cnmts.json", conditional)
	}
	equal(t, "cnmts restored", testCnmts, string(snapshot(t, b.dir)["cnmts.json"]))
}

func buildZip(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchFromZipArchive(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	b.url = b.mirror.srv.URL + "/releases/titledb.zip"
	b.mirror.set("/releases/titledb.zip", buildZip(t, map[string]string{
		"titledb-main/titles.US.en.json": testTitles,
		"titledb-main/cnmts.json":        testCnmts,
		"titledb-main/versions.json":     testVersions,
		"titledb-main/old/v1/cnmts.json": "not the one to use",
		"titledb-main/titles.GB.en.json": "{}",
		"titledb-main/README.md":         "# titledb",
	}))

	equal(t, "changed", true, b.mustFetch(t))
	files := snapshot(t, b.dir)
	equal(t, "cnmts from the shallowest entry", testCnmts, string(files["cnmts.json"]))
	equal(t, "titles", testTitles, string(files["titles.US.en.json"]))
	if _, err := Load(b.dir, "US", "en"); err != nil {
		t.Fatal(err)
	}
	assertNoTempFiles(t, b.dir)

	b.mirror.seen()
	equal(t, "changed on refetch", false, b.mustFetch(t))
	requests := b.mirror.seen()
	if len(requests) != 1 || requests[0].ifNoneMatch == "" {
		t.Errorf("want one conditional request for the archive, got %+v", requests)
	}
}

func TestFailedZipFetchLeavesEveryOldFileInUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     []byte
		mentions string
	}{
		{"missing file", buildZip(t, map[string]string{"titles.US.en.json": testTitles, "cnmts.json": testCnmts}), "no versions.json"},
		{"invalid entry", buildZip(t, map[string]string{"titles.US.en.json": testTitles, "cnmts.json": "{", "versions.json": testVersions}), "cnmts.json"},
		{"entry too large", buildZip(t, map[string]string{"titles.US.en.json": testTitles, "cnmts.json": testCnmts, "versions.json": strings.Repeat(" ", testLimit+1)}), ErrTooLarge.Error()},
		{"not a zip", []byte("<html>oops</html>"), "archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupFetch(t)
			b.mustFetch(t)
			before := snapshot(t, b.dir)
			b.url = b.mirror.srv.URL + "/titledb.zip"
			b.mirror.set("/titledb.zip", tt.body)

			_, err := b.fetch(t)

			assertErrorMentions(t, err, tt.mentions)
			assertSameFiles(t, before, snapshot(t, b.dir))
		})
	}
}

func TestFetchWithoutURLInstallsTheSampleForTheLocale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fetch := func() bool {
		changed, err := Fetch(context.Background(), nil, "", dir, "GB", "en", nil)
		if err != nil {
			t.Fatal(err)
		}
		return changed
	}
	equal(t, "changed", true, fetch())
	db, err := Load(dir, "GB", "en")
	if err != nil {
		t.Fatal(err)
	}
	if title, _ := db.Title("0100B7E4F2A60000"); title.Name != "Harbor of Echoes" {
		t.Errorf("sample titles not installed, got %+v", title)
	}
	equal(t, "changed again", false, fetch())
}

func TestSampleInstallForgetsMirrorValidators(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	b.mustFetch(t)
	if _, err := installSample(b.dir, "US", "en", discardLog()); err != nil {
		t.Fatal(err)
	}
	b.mirror.seen()

	// The files on disk are the sample now; the mirror's must come back
	// whole, not be answered with 304.
	equal(t, "changed", true, b.mustFetch(t))
	equal(t, "titles", testTitles, string(snapshot(t, b.dir)["titles.US.en.json"]))
}

func TestFetchRejectsBadArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, url := range []string{"ftp://example.com/db", "not a url", "/local/path"} {
		if _, err := Fetch(context.Background(), nil, url, dir, "US", "en", nil); err == nil {
			t.Errorf("Fetch accepted %q", url)
		}
	}
	if _, err := Fetch(context.Background(), nil, "", dir, "U S", "en", nil); err == nil {
		t.Error("Fetch accepted region with a space")
	}
}

func TestFetchHonoursContextCancellation(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Options{}.Fetch(ctx, b.mirror.srv.Client(), b.url, b.dir, "US", "en", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
}

func TestRemoveStaleTempsKeepsRecentOnes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	stale := filepath.Join(dir, ".cnmts.json.123"+tempSuffix)
	recent := filepath.Join(dir, ".cnmts.json.456"+tempSuffix)
	other := filepath.Join(dir, "cnmts.json")
	for _, p := range []string{stale, recent, other} {
		writeFile(t, p, "x")
		if err := os.Chtimes(p, now.Add(-2*staleTempAge), now.Add(-2*staleTempAge)); err != nil {
			t.Fatal(err)
		}
	}
	os.Chtimes(recent, now, now)

	removeStaleTemps(dir, now)

	for path, wantExists := range map[string]bool{stale: false, recent: true, other: true} {
		_, err := os.Stat(path)
		equal(t, filepath.Base(path)+" exists", wantExists, err == nil)
	}
}
