package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/api"
)

// accountsBundle is an api with users of each role, the root token set.
type accountsBundle struct {
	*testBundle
	passwords map[string]string // user → password
}

func setupAccounts(t *testing.T, edit ...func(*api.Options)) *accountsBundle {
	t.Helper()
	b := setup(t, append([]func(*api.Options){withToken(false)}, edit...)...)
	ab := &accountsBundle{testBundle: b, passwords: map[string]string{}}
	for name, roles := range map[string][]account.Role{
		"root-admin": {account.RoleAdmin}, "shopper": {account.RoleShop}, "backupper": {account.RoleBackup}, "nobody": nil,
	} {
		ab.passwords[name] = name + "-password"
		b.addUser(t, name, ab.passwords[name], roles...)
	}
	return ab
}

func (ab *accountsBundle) basic(name string) []string {
	return []string{"Authorization", basic(name, ab.passwords[name])}
}

// session signs name in and returns its cookie header and CSRF token.
func (ab *accountsBundle) session(t *testing.T, name string) (cookie, csrf string) {
	t.Helper()
	r := ab.do(t, http.MethodPost, "/api/login", map[string]string{"username": name, "password": ab.passwords[name]})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == api.SessionCookie {
			cookie = c.Name + "=" + c.Value
			require.True(t, c.HttpOnly)
			require.Equal(t, http.SameSiteLaxMode, c.SameSite)
		}
	}
	require.NotEmpty(t, cookie)
	me := decode[struct {
		CSRFToken string `json:"csrf_token"`
	}](t, r)
	require.NotEmpty(t, me.CSRFToken)
	return cookie, me.CSRFToken
}

func accepted(status int) bool {
	return status != http.StatusUnauthorized && status != http.StatusForbidden && status != http.StatusTooManyRequests
}

// Once a user exists, each route of the table refuses a caller without its role and accepts
// one with it, whichever way the caller signs in: Basic, a user's token, a session (with its
// CSRF token for changes), or the root token.
func TestEveryRouteRefusesACallerWithoutItsRole(t *testing.T) {
	t.Parallel()
	ab := setupAccounts(t)
	holder := map[string]string{"admin": "root-admin", "shop": "shopper", "backup": "backupper", "user": "nobody"}
	lacking := map[string]string{"admin": "shopper", "shop": "backupper", "backup": "shopper"}

	// Token 1 is nobody's: the walk's DELETE /api/me/tokens/1 revokes it, not the shopper's.
	nobody, err := account.UserByName(ab.ctx, ab.db, "nobody")
	require.NoError(t, err)
	_, _, err = account.CreateToken(ab.ctx, ab.db, nobody, "first")
	require.NoError(t, err)
	u, err := account.UserByName(ab.ctx, ab.db, "shopper")
	require.NoError(t, err)
	_, shopToken, err := account.CreateToken(ab.ctx, ab.db, u, "console")
	require.NoError(t, err)
	cookie, csrf := ab.session(t, "root-admin")

	checked := map[string]int{}
	for _, route := range routeTable(t, ab.testBundle) {
		if route.role == "none" || route.role == "anyone" {
			continue
		}
		checked[route.role]++
		path := concretePath(route.path)
		do := func(headers ...string) response { return ab.do(t, route.method, path, `{}`, route.as(headers...)...) }
		where := route.method + " " + route.path

		requireRefused(t, route, do(), http.StatusUnauthorized)
		if checked[route.role] <= 2 { // more would trip the failure limits (their own test)
			requireRefused(t, route, do("Authorization", basic("shopper", "wrong-password")), http.StatusUnauthorized)
		}
		requireRefused(t, route, do("Authorization", "Bearer shelf_not-a-token"), http.StatusUnauthorized)
		if other, ok := lacking[route.role]; ok {
			requireRefused(t, route, do(ab.basic(other)...), http.StatusForbidden)
			requireRefused(t, route, do(ab.basic("nobody")...), http.StatusForbidden)
		}

		r := do(ab.basic(holder[route.role])...)
		require.True(t, accepted(r.status), "%s as %s: %d %s", where, holder[route.role], r.status, r.body)
		r = do("Authorization", "Bearer "+testToken)
		require.True(t, accepted(r.status), "%s with the root token: %d %s", where, r.status, r.body)
		r = do("Cookie", cookie, api.CSRFHeader, csrf)
		require.True(t, accepted(r.status), "%s in an admin's session: %d %s", where, r.status, r.body)
		if route.role == "shop" || route.role == "user" {
			r = do("Authorization", "Bearer "+shopToken)
			require.True(t, accepted(r.status), "%s with the shopper's token: %d %s", where, r.status, r.body)
		}
		if isMutating(route.method) {
			r = do("Cookie", cookie)
			e := requireError(t, r, http.StatusForbidden, "csrf")
			require.Contains(t, e.Error.Message, api.CSRFHeader)
			requireError(t, do("Cookie", cookie, api.CSRFHeader, csrf+"x"), http.StatusForbidden, "csrf")
		}
	}
	require.Greater(t, checked["admin"], 20)
	require.GreaterOrEqual(t, checked["shop"], 9, "the shop's routes: /api/shop, its filters and files, and /, /{name}, /{filter}/{name} for consoles")
	require.GreaterOrEqual(t, checked["user"], 1)
}

// With shop.public the shop's own routes answer anyone; the library pages still need a user.
func TestAPublicShopNeedsNoUser(t *testing.T) {
	t.Parallel()
	ab := setupAccounts(t)
	_, err := ab.set.Update([]byte(`{"shop":{"public":true}}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, ab.do(t, http.MethodGet, "/api/shop", nil).status)
	requireError(t, ab.do(t, http.MethodGet, "/api/library", nil), http.StatusUnauthorized, "unauthorized")
	requireError(t, ab.do(t, http.MethodGet, "/api/tasks", nil), http.StatusUnauthorized, "unauthorized")
}

// A session lives in the database: another api replica over it honours the cookie, and logout
// ends it for both.
func TestSessionsAreHonouredByEveryReplicaUntilLogout(t *testing.T) {
	t.Parallel()
	ab := setupAccounts(t)
	other := ab.replica()
	cookie, csrf := ab.session(t, "root-admin")

	r := doApp(t, other, http.MethodGet, "/api/me", "", "Cookie", cookie)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	me := decode[struct {
		User      struct{ Username string } `json:"user"`
		Via       string                    `json:"via"`
		CSRFToken string                    `json:"csrf_token"`
	}](t, r)
	require.Equal(t, "root-admin", me.User.Username)
	require.Equal(t, "session", me.Via)
	require.Equal(t, csrf, me.CSRFToken, "the CSRF token comes from the shared secret file")
	r = doApp(t, other, http.MethodPost, "/api/tasks", `{"name":"echo"}`, "Cookie", cookie, api.CSRFHeader, csrf)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

	r = ab.do(t, http.MethodPost, "/api/logout", nil, "Cookie", cookie)
	require.Equal(t, http.StatusOK, r.status)
	require.JSONEq(t, `{"signed_out":true}`, string(r.body))
	require.Contains(t, r.header.Get("Set-Cookie"), api.SessionCookie+"=;")
	requireError(t, doApp(t, other, http.MethodGet, "/api/tasks", "", "Cookie", cookie), http.StatusUnauthorized, "unauthorized")
}

// Login failures are limited per user name (and per address): after the limit even the right
// password is refused with 429 and Retry-After, on login and on Basic alike.
func TestLoginFailuresAreRateLimited(t *testing.T) {
	t.Parallel()
	ab := setupAccounts(t)
	wrong := map[string]string{"username": "shopper", "password": "not-the-password"}
	var last response
	for range 10 {
		last = ab.do(t, http.MethodPost, "/api/login", wrong)
		requireError(t, last, http.StatusUnauthorized, "unauthorized")
	}
	for _, r := range []response{
		ab.do(t, http.MethodPost, "/api/login", map[string]string{"username": "shopper", "password": ab.passwords["shopper"]}),
		ab.do(t, http.MethodGet, "/api/shop", nil, ab.basic("shopper")...),
	} {
		require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.body)
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		require.NoError(t, err)
		require.True(t, secs > 0 && secs <= 300, "Retry-After %d", secs)
	}
	// Another user from the same address is not locked out by shopper's failures alone.
	r := ab.do(t, http.MethodPost, "/api/login", map[string]string{"username": "root-admin", "password": ab.passwords["root-admin"]})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	// A form works as well as JSON.
	requireFieldError(t, ab.do(t, http.MethodPost, "/api/login", map[string]string{"password": "x"}), "username")
	form := ab.doForm(t, "/api/login", "username=backupper&password=backupper-password")
	require.Equal(t, http.StatusOK, form.status, "%s", form.body)
}

// Basic over plain HTTP works (consoles on a LAN send it) but is logged once, and GET /api/me
// tells the settings page.
func TestBasicOverPlainHTTPIsWarnedOnce(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	ab := setupAccounts(t, func(o *api.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	for range 3 {
		require.Equal(t, http.StatusOK, ab.do(t, http.MethodGet, "/api/shop", nil, ab.basic("shopper")...).status)
	}
	require.Equal(t, 1, strings.Count(logs.String(), "HTTP Basic over plain HTTP"), logs.String())
	require.NotContains(t, logs.String(), ab.passwords["shopper"])
	me := decode[struct {
		BasicOverHTTP bool `json:"basic_over_http"`
	}](t, ab.do(t, http.MethodGet, "/api/me", nil, ab.basic("root-admin")...))
	require.True(t, me.BasicOverHTTP)
}

// The session secret is made on the first start in the data folder, readable by its owner
// only, and kept across restarts.
func TestSessionSecretIsMadeOnceWithMode0600(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := filepath.Join(b.dataDir, account.SecretFile)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	first, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, first, 32)
	b.replica()
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, first, again)
}

// replica is a second api over the bundle's database and data folder.
func (b *testBundle) replica() *fiber.App {
	opts := b.opts
	opts.Metrics = prometheus.NewRegistry()
	return api.New(opts)
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// The session cookie is Secure when a trusted proxy says the client used https, and only then:
// the same header from anyone else is not believed.
func TestTheCookieIsSecureBehindATrustedTLSProxy(t *testing.T) {
	t.Parallel()
	for _, trusted := range []bool{true, false} {
		l := startLive(t, func(o *api.Options) {
			if trusted {
				o.TrustedProxies = []string{"127.0.0.1"}
			}
		})
		l.addUser(t, "alice", "alice-password", account.RoleShop)
		req := l.request(t, http.MethodPost, "/api/login", `{"username":"alice","password":"alice-password"}`, "X-Forwarded-Proto", "https")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		cookies := resp.Cookies()
		require.Len(t, cookies, 1)
		require.Equal(t, trusted, cookies[0].Secure, "trusted proxy: %v", trusted)
	}
}
