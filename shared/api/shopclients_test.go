package api_test

// Each console client, with the request shapes its source shows (shop/testdata/clients.json),
// against a real listener: open the base URL, list, download one file, resume it.

import (
	"crypto/aes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/web"
)

// consoleFixture is one client's requests in shop/testdata/clients.json.
type consoleFixture struct {
	Name      string            `json:"name"`
	Client    string            `json:"client"`
	Source    string            `json:"source"`
	Headers   map[string]string `json:"headers"`
	BasicAuth []string          `json:"basic_auth"`
	Wants     string            `json:"wants"`
}

func consoleFixtures(t *testing.T) []consoleFixture {
	t.Helper()
	data, err := os.ReadFile("../shop/testdata/clients.json")
	require.NoError(t, err)
	var doc struct {
		Clients []consoleFixture `json:"clients"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Clients)
	return doc.Clients
}

func consoleFixtureOf(t *testing.T, client string) consoleFixture {
	t.Helper()
	for _, fx := range consoleFixtures(t) {
		if fx.Client == client {
			return fx
		}
	}
	t.Fatalf("no fixture for %q", client)
	return consoleFixture{}
}

// shopLive is a live api with the web UI, a library of a base game and its update, and the
// console user of the fixtures (role shop).
type shopLive struct {
	*liveAPI
	library     string
	game, patch catalog.File
	content     map[int64][]byte
}

func startShop(t *testing.T) *shopLive {
	t.Helper()
	l := startLive(t, func(o *api.Options) { o.Static = web.FS() })
	library := t.TempDir()
	_, err := l.set.Update([]byte(`{"library":{"paths":["` + library + `"]},"shop":{"motd":"Welcome to shelf"}}`))
	require.NoError(t, err)
	s := &shopLive{liveAPI: l, library: library, content: map[int64][]byte{}}
	add := func(name string, size int, app catalog.AppRef) catalog.File {
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(i*7 + len(name))
		}
		f := addCatalogFile(t, l.testBundle, library, name, content)
		require.NoError(t, catalog.RecordIdentification(l.db, f.ID, []catalog.AppRef{app}, "filename", ""))
		s.content[f.ID] = content
		return f
	}
	s.game = add("Zelda & Co [0100000000010000][v0].nsp", 4096,
		catalog.AppRef{AppID: "0100000000010000", TitleID: "0100000000010000", Type: "base"})
	s.patch = add("Zelda & Co [0100000000010800][v65536].nsp", 1000,
		catalog.AppRef{AppID: "0100000000010800", TitleID: "0100000000010000", Type: "update", Version: 65536})
	l.addUser(t, "console", "switch-pass", account.RoleShop)
	l.addUser(t, "backupper", "backup-pass", account.RoleBackup)
	l.addUser(t, "admin", "admin-pass", account.RoleAdmin)
	return s
}

// consoleAnswer is an answer read in full.
type consoleAnswer struct {
	status int
	header http.Header
	body   []byte
}

// get sends what the fixture's client sends (its headers, its Basic credentials, no
// User-Agent when it sends none), plus extra name, value pairs.
func (s *shopLive) get(t *testing.T, fx consoleFixture, method, path string, extra ...string) consoleAnswer {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("User-Agent", "") // Go sends none then, as Tinfoil and Sphaira
	for k, v := range fx.Headers {
		req.Header.Set(k, v)
	}
	if len(fx.BasicAuth) == 2 {
		req.SetBasicAuth(fx.BasicAuth[0], fx.BasicAuth[1])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		switch {
		case extra[i] == "Authorization" && extra[i+1] == "":
			req.Header.Del("Authorization")
			continue
		case extra[i] == "Host":
			req.Host = extra[i+1] // Go sends req.Host, never a Host header
			continue
		}
		req.Header.Set(extra[i], extra[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return consoleAnswer{status: resp.StatusCode, header: resp.Header, body: body}
}

var linkPattern = regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`)

// links are a listing's hrefs, as DBI and Sphaira read them (HTML-unescaped).
func links(t *testing.T, a consoleAnswer) []string {
	t.Helper()
	require.Contains(t, a.header.Get("Content-Type"), "text/html")
	var out []string
	for _, m := range linkPattern.FindAllStringSubmatch(string(a.body), -1) {
		out = append(out, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	return out
}

type tinfoilIndex struct {
	Files []struct {
		URL  string `json:"url"`
		Size int64  `json:"size"`
	} `json:"files"`
	Directories []string `json:"directories"`
	Success     string   `json:"success"`
}

func TestEachConsoleOpensListsDownloadsAndResumes(t *testing.T) {
	t.Parallel()
	for _, fx := range consoleFixtures(t) {
		if fx.Client == "" {
			continue
		}
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			s := startShop(t)
			if len(fx.BasicAuth) == 0 {
				_, err := s.set.Update([]byte(`{"shop":{"public":true}}`))
				require.NoError(t, err)
			}

			// Open the base URL, then a filter's folder; find the base game's download.
			var download string
			switch fx.Wants {
			case "json":
				root := s.get(t, fx, http.MethodGet, "/")
				require.Equal(t, http.StatusOK, root.status, "%s", root.body)
				idx := decode[tinfoilIndex](t, response{body: root.body})
				require.Equal(t, "Welcome to shelf", idx.Success)
				require.Len(t, idx.Files, 2)
				require.Equal(t, []string{}, idx.Directories)
				filtered := decode[tinfoilIndex](t, response{body: s.get(t, fx, http.MethodGet, "/base").body})
				require.Len(t, filtered.Files, 1)
				u := filtered.Files[0].URL
				require.True(t, strings.HasPrefix(u, "/"), "a path from the server's root: %s", u)
				path, fragment, _ := strings.Cut(u, "#")
				name, err := url.PathUnescape(fragment)
				require.NoError(t, err)
				require.Equal(t, s.game.Name, name, "Tinfoil shows the fragment")
				require.Equal(t, int64(4096), filtered.Files[0].Size)
				download = path
				// CyberFoil appends the entry's URL to the typed base URL: typed as the
				// server's root, that is the same path.
			case "html":
				root := s.get(t, fx, http.MethodGet, "/")
				require.Equal(t, http.StatusOK, root.status, "%s", root.body)
				require.Equal(t, []string{"base/", "update/", "dlc/", "multi/",
					url.PathEscape(s.game.Name), url.PathEscape(s.patch.Name)}, links(t, root))
				folder := s.get(t, fx, http.MethodGet, "/update/")
				require.Equal(t, []string{url.PathEscape(s.patch.Name)}, links(t, folder))
				require.Empty(t, links(t, s.get(t, fx, http.MethodGet, "/dlc/")))
				listed := links(t, s.get(t, fx, http.MethodGet, "/base/"))
				require.Len(t, listed, 1)
				download = "/base/" + listed[0] // relative to the folder listed
				// A file of another kind is not in this folder, but is at the root.
				require.Equal(t, http.StatusNotFound, s.get(t, fx, http.MethodGet, "/base/"+url.PathEscape(s.patch.Name)).status)
				require.Equal(t, http.StatusOK, s.get(t, fx, http.MethodHead, "/"+url.PathEscape(s.patch.Name)).status)
			default:
				t.Fatalf("wants %q", fx.Wants)
			}
			content := s.content[s.game.ID]

			head := s.get(t, fx, http.MethodHead, download)
			require.Equal(t, http.StatusOK, head.status)
			require.Equal(t, "4096", head.header.Get("Content-Length"))
			require.Empty(t, head.body)

			full := s.get(t, fx, http.MethodGet, download)
			require.Equal(t, http.StatusOK, full.status)
			require.Equal(t, content, full.body)
			etag, lastModified := full.header.Get("ETag"), full.header.Get("Last-Modified")
			require.NotEmpty(t, etag)
			_, err := http.ParseTime(lastModified)
			require.NoError(t, err)
			require.Equal(t, "bytes", full.header.Get("Accept-Ranges"))

			// The download broke at 1000 bytes: resume with the validator it got.
			for _, validator := range []string{etag, lastModified} {
				resumed := s.get(t, fx, http.MethodGet, download, "Range", "bytes=1000-", "If-Range", validator)
				require.Equal(t, http.StatusPartialContent, resumed.status, "If-Range: %s", validator)
				require.Equal(t, content[1000:], resumed.body)
				require.Equal(t, "bytes 1000-4095/4096", resumed.header.Get("Content-Range"))
			}
			require.Equal(t, http.StatusNotModified, s.get(t, fx, http.MethodGet, download, "If-None-Match", etag).status)
			require.Equal(t, http.StatusRequestedRangeNotSatisfiable, s.get(t, fx, http.MethodGet, download, "Range", "bytes=5000-").status)

			// The file is replaced (a new dump under the same name): the resume gets it whole.
			replaced := append([]byte("new dump "), content...)
			path := filepath.Join(s.library, s.game.Name)
			require.NoError(t, os.WriteFile(path, replaced, 0o644))
			later := time.Now().Add(time.Hour)
			require.NoError(t, os.Chtimes(path, later, later))
			for _, validator := range []string{etag, lastModified} {
				again := s.get(t, fx, http.MethodGet, download, "Range", "bytes=1000-", "If-Range", validator)
				require.Equal(t, http.StatusOK, again.status, "a stale If-Range (%s) gets the whole file", validator)
				require.Equal(t, replaced, again.body)
				require.NotEqual(t, etag, again.header.Get("ETag"))
			}

			// Three whole downloads within a minute by one client count once.
			files := decode[struct {
				Files []struct {
					ID        int64 `json:"id"`
					Downloads int64 `json:"downloads"`
				} `json:"files"`
			}](t, response{body: s.send(t, http.MethodGet, "/api/files?downloaded=true", "", "Authorization", basic("admin", "admin-pass")).body})
			require.Len(t, files.Files, 1)
			require.Equal(t, s.game.ID, files.Files[0].ID)
			require.Equal(t, int64(1), files.Files[0].Downloads)
		})
	}
}

func TestConsolesAreRefusedInTheFormTheyShow(t *testing.T) {
	t.Parallel()
	s := startShop(t)
	tinfoil, dbi, sphaira := consoleFixtureOf(t, "tinfoil"), consoleFixtureOf(t, "dbi"), consoleFixtureOf(t, "sphaira")

	// No credentials: 401 with a Basic challenge; Tinfoil reads a string, DBI and Sphaira a listing.
	r := s.get(t, tinfoil, http.MethodGet, "/", "Authorization", "")
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, r.header.Get("WWW-Authenticate"), `Basic realm="shelf"`)
	msg := decode[struct {
		Error string `json:"error"`
	}](t, response{body: r.body}).Error
	require.Contains(t, msg, "sign in")
	for _, fx := range []consoleFixture{dbi, sphaira} {
		r = s.get(t, fx, http.MethodGet, "/base/", "Authorization", "")
		require.Equal(t, http.StatusUnauthorized, r.status, fx.Name)
		require.Contains(t, r.header.Get("WWW-Authenticate"), `Basic realm="shelf"`)
		require.Equal(t, []string{"#", "#"}, links(t, r), "ERROR and the message, linking nowhere")
		require.Contains(t, string(r.body), `>ERROR</a>`)
		require.Contains(t, string(r.body), "sign in")
	}

	// Wrong password; a user without the shop role.
	r = s.get(t, tinfoil, http.MethodGet, "/", "Authorization", basic("console", "wrong"))
	require.Equal(t, http.StatusUnauthorized, r.status)
	r = s.get(t, tinfoil, http.MethodGet, "/", "Authorization", basic("backupper", "backup-pass"))
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, string(r.body), `"error":"this request needs the shop role"`)
	r = s.get(t, dbi, http.MethodGet, "/"+url.PathEscape(s.game.Name), "Authorization", basic("backupper", "backup-pass"))
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, string(r.body), "shop role</a>")

	// A client switched off is told so; the others go on.
	_, err := s.set.Update([]byte(`{"shop":{"clients":{"tinfoil":{"enabled":false},"sphaira":{"enabled":false}}}}`))
	require.NoError(t, err)
	r = s.get(t, tinfoil, http.MethodGet, "/")
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, string(r.body), `"error":"Tinfoil is switched off on this shop`)
	require.Equal(t, http.StatusForbidden, s.get(t, tinfoil, http.MethodGet, fmt.Sprintf("/api/shop/files/%d/x.nsp", s.game.ID)).status)
	r = s.get(t, sphaira, http.MethodGet, "/")
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, string(r.body), ">Sphaira is switched off")
	require.Equal(t, http.StatusOK, s.get(t, consoleFixtureOf(t, "cyberfoil"), http.MethodGet, "/").status)
	require.Equal(t, http.StatusOK, s.get(t, dbi, http.MethodGet, "/").status)

	// On a host other than shop.host: 421 for consoles, the web UI for browsers.
	_, err = s.set.Update([]byte(`{"shop":{"host":"shop.example.com","clients":{"tinfoil":{"enabled":true}}}}`))
	require.NoError(t, err)
	r = s.get(t, tinfoil, http.MethodGet, "/")
	require.Equal(t, http.StatusMisdirectedRequest, r.status)
	require.Contains(t, string(r.body), "shop.example.com")
	require.Equal(t, http.StatusMisdirectedRequest, s.get(t, dbi, http.MethodGet, "/base/").status)
	r = s.get(t, tinfoil, http.MethodGet, "/", "Host", "shop.example.com")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	browser := s.send(t, http.MethodGet, "/", "", "User-Agent", "Mozilla/5.0")
	require.Equal(t, http.StatusOK, browser.status)
	require.Contains(t, string(browser.body), "<title>shelf</title>")
}

// Browsers (and curl) get the web UI at every path it has, whatever the shop's routes at the
// root; a console at the same address gets the shop.
func TestBrowsersAreNeverCapturedByTheShop(t *testing.T) {
	t.Parallel()
	s := startShop(t)
	tinfoil := consoleFixtureOf(t, "tinfoil")
	for _, fx := range consoleFixtures(t) {
		if fx.Client != "" {
			continue
		}
		headers := []string{"Authorization", ""}
		for k, v := range fx.Headers {
			headers = append(headers, k, v)
		}
		for _, path := range []string{"/", "/index.html", "/style.css", "/favicon.svg", "/js/main.js", "/js/settings.js"} {
			r := s.get(t, consoleFixture{}, http.MethodGet, path, headers...)
			require.Equal(t, http.StatusOK, r.status, "%s %s: %s", fx.Name, path, r.body)
			require.NotContains(t, r.header.Get("Content-Type"), "application/json", "%s %s", fx.Name, path)
		}
		// Paths the UI has no file for are a JSON 404, never the shop.
		for _, path := range []string{"/base", "/base/", "/" + url.PathEscape(s.game.Name), "/base/" + url.PathEscape(s.game.Name)} {
			requireError(t, response(s.get(t, consoleFixture{}, http.MethodGet, path, headers...)), http.StatusNotFound, "not_found")
		}
		require.Equal(t, http.StatusUnauthorized, s.get(t, consoleFixture{}, http.MethodGet, "/api/shop", headers...).status,
			"scripts use /api/shop, which needs a user")
	}
	r := s.get(t, tinfoil, http.MethodGet, "/")
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.header.Get("Content-Type"), "application/json")
	// A console asking for a UI file gets the shop's answer: no file of that name.
	require.Equal(t, http.StatusNotFound, s.get(t, tinfoil, http.MethodGet, "/style.css").status)
}

// With a public key set, Tinfoil gets the index in its encrypted format (and only Tinfoil);
// /api/shop and /api/shop/{filter} answer scripts in JSON.
func TestTinfoilGetsTheEncryptedIndexWhenAKeyIsSet(t *testing.T) {
	t.Parallel()
	s := startShop(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	patch, err := json.Marshal(map[string]any{"shop": map[string]any{"clients": map[string]any{
		"tinfoil": map[string]any{"public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}}})
	require.NoError(t, err)
	_, err = s.set.Update(patch)
	require.NoError(t, err)

	tinfoil := consoleFixtureOf(t, "tinfoil")
	r := s.get(t, tinfoil, http.MethodGet, "/dlc")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))
	idx := decode[tinfoilIndex](t, response{body: decryptTinfoil(t, r.body, key)})
	require.Empty(t, idx.Files)
	idx = decode[tinfoilIndex](t, response{body: decryptTinfoil(t, s.get(t, tinfoil, http.MethodGet, "/").body, key)})
	require.Len(t, idx.Files, 2)
	require.Equal(t, "Welcome to shelf", idx.Success)

	r = s.get(t, consoleFixtureOf(t, "cyberfoil"), http.MethodGet, "/")
	require.Contains(t, r.header.Get("Content-Type"), "application/json")
	script := s.send(t, http.MethodGet, "/api/shop/update", "", "Authorization", basic("console", "switch-pass"))
	require.Equal(t, http.StatusOK, script.status)
	require.Len(t, decode[tinfoilIndex](t, response{body: script.body}).Files, 1)
	require.Equal(t, http.StatusNotFound, s.send(t, http.MethodGet, "/api/shop/demos", "", "Authorization", basic("console", "switch-pass")).status)
}

// decryptTinfoil reads Tinfoil's encrypted index with the private key (the format is in
// shop/encrypt.go).
func decryptTinfoil(t *testing.T, enc []byte, key *rsa.PrivateKey) []byte {
	t.Helper()
	require.Equal(t, "TINFOIL", string(enc[:7]))
	aesKey, err := rsa.DecryptOAEP(sha256.New(), nil, key, enc[8:0x108], nil)
	require.NoError(t, err)
	size := binary.LittleEndian.Uint64(enc[0x108:0x110])
	block, err := aes.NewCipher(aesKey)
	require.NoError(t, err)
	body := enc[0x110:]
	plain := make([]byte, len(body))
	for i := 0; i < len(body); i += aes.BlockSize {
		block.Decrypt(plain[i:], body[i:])
	}
	dec, err := zstd.NewReader(nil)
	require.NoError(t, err)
	defer dec.Close()
	out, err := dec.DecodeAll(plain[:size], nil)
	require.NoError(t, err)
	return out
}

// A file name in the URL is looked up in the catalog, never joined to a path: names that climb,
// are absolute or hold a NUL find nothing, for every way of escaping them.
func TestConsoleFileNamesCannotNameAnotherFile(t *testing.T) {
	t.Parallel()
	s := startShop(t)
	secret := filepath.Join(filepath.Dir(s.library), "secret.nsp")
	require.NoError(t, os.WriteFile(secret, []byte("secret"), 0o644))
	t.Cleanup(func() { os.Remove(secret) })
	dbi := consoleFixtureOf(t, "dbi")
	for _, path := range []string{"/..%2Fsecret.nsp", "/%2e%2e%2fsecret.nsp", "/base/..%2F..%2Fsecret.nsp", "/base/%2e%2e",
		"/" + url.PathEscape(secret), "/secret.nsp%00", "/%ff%fe.nsp", "/base/secret.nsp"} {
		r := s.get(t, dbi, http.MethodGet, path)
		require.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, r.status, "%s: %s", path, r.body)
		require.NotContains(t, string(r.body), "secret\n")
		require.NotEqual(t, "secret", string(r.body))
	}
}
