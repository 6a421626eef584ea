package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
)

// shopFixture is a library folder in the settings with one file in the catalog.
type shopFixture struct {
	*testBundle
	library string
	file    catalog.File
	content []byte
}

func setupShop(t *testing.T) *shopFixture {
	t.Helper()
	b := setup(t)
	library := t.TempDir()
	_, err := b.set.Update([]byte(`{"library":{"paths":["` + library + `"]}}`))
	require.NoError(t, err)
	content := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	f := addCatalogFile(t, b, library, "Game [0100000000010000][v0].nsp", content)
	return &shopFixture{testBundle: b, library: library, file: f, content: content}
}

// addCatalogFile writes a file and records it in the catalog under the library at dir.
func addCatalogFile(t *testing.T, b *testBundle, dir, name string, content []byte) catalog.File {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, content, 0o644))
	return addCatalogPath(t, b, dir, path, int64(len(content)))
}

func addCatalogPath(t *testing.T, b *testBundle, dir, path string, size int64) catalog.File {
	t.Helper()
	lib, err := catalog.EnsureLibrary(b.db, dir)
	require.NoError(t, err)
	f, _, err := catalog.UpsertFile(b.db, lib.ID, path, size, time.Now())
	require.NoError(t, err)
	return f
}

func (s *shopFixture) fileURL(f catalog.File) string {
	return fmt.Sprintf("/api/shop/files/%d/%s", f.ID, url.PathEscape(f.Name))
}

func TestShopIndexListsFiles(t *testing.T) {
	t.Parallel()
	s := setupShop(t)
	body := decode[struct {
		Files []struct {
			URL  string `json:"url"`
			Size int64  `json:"size"`
		} `json:"files"`
		Success string `json:"success"`
	}](t, s.do(t, http.MethodGet, "/api/shop", nil))
	require.Equal(t, "shelf", body.Success)
	require.Len(t, body.Files, 1)
	require.Equal(t, s.fileURL(s.file)+"#"+url.PathEscape(s.file.Name), body.Files[0].URL, "the name Tinfoil shows is the fragment")
	require.Equal(t, int64(len(s.content)), body.Files[0].Size)

	// The listed URL downloads the file.
	path, _, _ := strings.Cut(body.Files[0].URL, "#")
	r := s.do(t, http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, s.content, r.body)
	require.Equal(t, "bytes", r.header.Get("Accept-Ranges"))
}

func TestShopDownloadServesByteRanges(t *testing.T) {
	t.Parallel()
	s := setupShop(t)
	size := len(s.content)
	for rng, want := range map[string]struct {
		first, last int
	}{
		"bytes=10-19": {10, 19},
		"bytes=30-":   {30, size - 1},
		"bytes=-5":    {size - 5, size - 1},
		"bytes=0-999": {0, size - 1},
	} {
		r := s.do(t, http.MethodGet, s.fileURL(s.file), nil, "Range", rng)
		require.Equal(t, http.StatusPartialContent, r.status, "Range: %s; body: %s", rng, r.body)
		require.Equal(t, s.content[want.first:want.last+1], r.body, "Range: %s", rng)
		require.Equal(t, fmt.Sprintf("bytes %d-%d/%d", want.first, want.last, size), r.header.Get("Content-Range"))
	}

	r := s.do(t, http.MethodGet, s.fileURL(s.file), nil, "Range", "bytes=500-600")
	requireConsoleError(t, r, http.StatusRequestedRangeNotSatisfiable)
	require.Equal(t, fmt.Sprintf("bytes */%d", size), r.header.Get("Content-Range"))

	// Several ranges: the whole file, which HTTP allows.
	r = s.do(t, http.MethodGet, s.fileURL(s.file), nil, "Range", "bytes=0-1,4-5")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, s.content, r.body)

	head := s.do(t, http.MethodHead, s.fileURL(s.file), nil)
	require.Equal(t, http.StatusOK, head.status)
	require.Equal(t, fmt.Sprint(size), head.header.Get("Content-Length"))
	require.Empty(t, head.body)
}

func TestShopRefusesFilesOutsideTheLibraries(t *testing.T) {
	t.Parallel()
	s := setupShop(t)
	outside := t.TempDir()

	// A catalog row for a folder that is no longer a library.
	stale := addCatalogFile(t, s.testBundle, outside, "old.nsp", []byte("secret"))
	requireConsoleError(t, s.do(t, http.MethodGet, s.fileURL(stale), nil), 404)

	// A symlink inside the library that points outside it.
	secret := filepath.Join(outside, "secret.nsp")
	require.NoError(t, os.WriteFile(secret, []byte("secret"), 0o644))
	link := filepath.Join(s.library, "link.nsp")
	require.NoError(t, os.Symlink(secret, link))
	linked := addCatalogPath(t, s.testBundle, s.library, link, 6)
	requireConsoleError(t, s.do(t, http.MethodGet, s.fileURL(linked), nil), 404)

	// A file deleted since the scan, an unknown id, a bad id.
	require.NoError(t, os.Remove(filepath.Join(s.library, s.file.Name)))
	requireConsoleError(t, s.do(t, http.MethodGet, s.fileURL(s.file), nil), 404)
	requireConsoleError(t, s.do(t, http.MethodGet, "/api/shop/files/9999/x.nsp", nil), 404)
	require.Contains(t, requireConsoleError(t, s.do(t, http.MethodGet, "/api/shop/files/x/x.nsp", nil), 422), "id")
}

func TestShopFollowsSymlinksInsideTheLibrary(t *testing.T) {
	t.Parallel()
	s := setupShop(t)
	link := filepath.Join(s.library, "alias.nsp")
	require.NoError(t, os.Symlink(filepath.Join(s.library, s.file.Name), link))
	f := addCatalogPath(t, s.testBundle, s.library, link, int64(len(s.content)))
	r := s.do(t, http.MethodGet, s.fileURL(f), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Equal(t, s.content, r.body)
}
