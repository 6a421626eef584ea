package api_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
)

// The shop finds a file by its id alone: whatever the URL's name segment says (.., encoded
// traversal, an absolute path), the answer is that catalog file or an error, never another file.
func TestShopURLCannotNameAnotherFile(t *testing.T) {
	t.Parallel()
	s := setupShop(t)
	secret := filepath.Join(filepath.Dir(s.library), "secret.nsp")
	require.NoError(t, os.WriteFile(secret, []byte("SECRET"), 0o644))
	t.Cleanup(func() { os.Remove(secret) })
	id := fmt.Sprint(s.file.ID)
	for _, target := range []string{
		"/api/shop/files/" + id + "/..%2fsecret.nsp",
		"/api/shop/files/" + id + "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"/api/shop/files/" + id + "/%2Fetc%2Fpasswd",
		"/api/shop/files/" + id + "/..",
		"/api/shop/files/" + id + "/../../secret.nsp",
		"/api/shop/files/" + id + "/%252e%252e%252fsecret.nsp",
		"/api/shop/files/" + id + "/C:%5Cwindows%5Cwin.ini",
		"/api/shop/files/..%2f" + id + "/x.nsp",
		"/api/shop/files/%2e%2e/x.nsp",
		"/api/shop/files/" + slashesEncoded(secret) + "/x.nsp",
		"/api/shop/files/" + id + "%00/x.nsp",
		"/api/shop/files/../files/" + id + "/x.nsp",
	} {
		r := s.do(t, http.MethodGet, target, nil)
		require.NotContains(t, string(r.body), "SECRET", target)
		require.NotContains(t, string(r.body), "root:", target)
		if r.status == http.StatusOK {
			require.Equal(t, s.content, r.body, "%s serves only the catalog file", target)
			continue
		}
		require.Contains(t, []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusBadRequest}, r.status, "%s: %s", target, r.body)
		require.Empty(t, answerProblem(http.MethodGet, r.status, r.header, r.body), "%s: %s", target, r.body)
	}
}

func slashesEncoded(p string) string { return strings.ReplaceAll(p, "/", "%2F") }

// A catalog row is data the api trusts least: a path that climbs out of the library with
// "..", a relative path, or one that reaches out through a symlinked folder, is refused
// even though it starts with the library's path.
func TestShopRefusesCatalogPathsThatClimbOut(t *testing.T) {
	t.Parallel()
	s := setupShop(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.nsp")
	require.NoError(t, os.WriteFile(secret, []byte("SECRET"), 0o644))
	rel, err := filepath.Rel(s.library, secret)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(outside, filepath.Join(s.library, "folder-link")))
	wd, err := os.Getwd()
	require.NoError(t, err)
	relToWD, err := filepath.Rel(wd, secret)
	require.NoError(t, err)

	for _, path := range []string{
		s.library + string(filepath.Separator) + rel,          // <library>/../../outside/secret.nsp
		filepath.Join(s.library, "folder-link", "secret.nsp"), // through a symlinked folder
		relToWD, // relative: resolved against the api's cwd
		s.library + "/./" + filepath.Base(s.library) + "/../" + rel, // dots in the middle
		s.library, // the library folder itself
	} {
		f := addCatalogPath(t, s.testBundle, s.library, path, 6)
		r := s.do(t, http.MethodGet, s.fileURL(f), nil)
		requireConsoleError(t, r, http.StatusNotFound)
		require.NotContains(t, string(r.body), "SECRET", path)
	}
}

// The web UI's files come from an fs.FS rooted at the UI folder: no request path, encoded or
// not, reaches the data folder, the process's files or the rest of the disk.
func TestStaticFilesCannotBeClimbedOutOf(t *testing.T) {
	t.Parallel()
	ui := fstest.MapFS{"index.html": {Data: []byte("<h1>shelf</h1>")}, "js/app.js": {Data: []byte("app")}}
	b := setup(t, func(o *api.Options) { o.Static = ui })
	require.NoError(t, os.WriteFile(filepath.Join(b.dataDir, "secret.txt"), []byte("SECRET"), 0o644))
	base := serve(t, b.app)
	addr := strings.TrimPrefix(base, "http://")
	for _, target := range []string{
		"/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
		"/%252e%252e/etc/passwd", "/js/../../secret.txt", "/js/..%2f..%2fsecret.txt", "//etc/passwd",
		"/etc/passwd", "/proc/self/environ", "/settings.yaml", "/shelf.db", "/secret.txt", "/..\\..\\secret.txt",
		"/%c0%ae%c0%ae/etc/passwd", "/js/%00../app.js", "/index.html/../../secret.txt",
	} {
		raw := "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		status, header, body, err := sendRaw(addr, fuzzRequest{method: http.MethodGet, raw: []byte(raw)})
		require.NoError(t, err, target)
		require.NotContains(t, string(body), "SECRET", target)
		require.NotContains(t, string(body), "root:", target)
		if status == http.StatusOK {
			require.Contains(t, []string{"<h1>shelf</h1>", "app"}, string(body), "%s serves only the UI's files", target)
			continue
		}
		require.Empty(t, answerProblem(http.MethodGet, status, header, body), "%s: %s", target, body)
	}
}
