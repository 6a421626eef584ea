package api_test

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/api"
)

func withToken(protectReads bool) func(*api.Options) {
	return func(o *api.Options) {
		o.Token = testToken
		o.ProtectReads = protectReads
	}
}

// concretePath fills a route's parameters (":id", "{id}") with a value, e.g. /api/tasks/1/cancel.
func concretePath(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "{") {
			parts[i] = "1"
		}
	}
	return strings.Join(parts, "/")
}

func isMutating(method string) bool {
	switch method {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		return true
	}
	return false
}

// tableRoute is one route of the api's route table as GET /api/openapi.json tells it.
type tableRoute struct {
	method, path string
	role         string // admin, shop, backup, user, anyone or none
	console      bool
	// consoleOnly routes answer console clients only: the walks send Tinfoil's headers.
	consoleOnly bool
}

// tinfoilHeaders are the headers Tinfoil sends (shop/testdata/clients.json), as name, value
// pairs for do.
var tinfoilHeaders = []string{"Theme", "0f4d6d0d", "Uid", "6f3c1a2b", "Version", "18.0", "Revision", "0",
	"Language", "en", "Hauth", "A6C2F14D", "Uauth", "3F7A9C1E", "User-Agent", ""}

// as returns the headers a walk sends to the route: Tinfoil's too on a console-only route.
func (r tableRoute) as(headers ...string) []string {
	if r.consoleOnly {
		return append(slices.Clone(tinfoilHeaders), headers...)
	}
	return headers
}

// routeTable reads the route table from the OpenAPI document (its x-shelf-role and
// x-shelf-console), which TestOpenAPIDescribesEveryRouteAndNoOther holds equal to the
// router's routes.
func routeTable(t *testing.T, b *testBundle) []tableRoute {
	t.Helper()
	doc := decode[struct {
		Paths map[string]map[string]struct {
			Role        string `json:"x-shelf-role"`
			Console     bool   `json:"x-shelf-console"`
			ConsoleOnly bool   `json:"x-shelf-console-only"`
		} `json:"paths"`
	}](t, b.do(t, http.MethodGet, "/api/openapi.json", nil, "Authorization", "Bearer "+b.opts.Token))
	var out []tableRoute
	for path, item := range doc.Paths {
		for method, op := range item {
			require.Contains(t, []string{"admin", "shop", "backup", "user", "anyone", "none"}, op.Role, "%s %s", method, path)
			out = append(out, tableRoute{method: strings.ToUpper(method), path: path, role: op.Role, console: op.Console, consoleOnly: op.ConsoleOnly})
		}
	}
	require.Greater(t, len(out), 30)
	return out
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// Before any user exists, every route that changes something, including any added later,
// needs the token when one is set.
func TestEveryMutatingRouteNeedsTheToken(t *testing.T) {
	t.Parallel()
	b := setup(t, withToken(false))
	checked := 0
	for _, route := range routeTable(t, b) {
		if !isMutating(route.method) || route.role == "none" || route.role == "anyone" {
			continue
		}
		checked++
		path := concretePath(route.path)
		for _, auth := range []string{"", "Bearer wrong", testToken, "Basic " + testToken, basic("admin", testToken)} {
			r := b.do(t, route.method, path, `{}`, "Authorization", auth)
			requireRefused(t, route, r, http.StatusUnauthorized)
		}
		r := b.do(t, route.method, path, `{}`, "Authorization", "Bearer "+testToken)
		require.NotEqual(t, http.StatusUnauthorized, r.status, "%s %s with the token: %s", route.method, path, r.body)
	}
	require.GreaterOrEqual(t, checked, 8)

	r := b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`)
	require.Equal(t, `Bearer realm="shelf"`, r.header.Get("WWW-Authenticate"))
}

// requireRefused checks a refusal: an Error, or on console routes the string consoles show
// and a Basic challenge.
func requireRefused(t *testing.T, route tableRoute, r response, status int) {
	t.Helper()
	if route.console {
		requireConsoleError(t, r, status)
		if status == http.StatusUnauthorized {
			require.Contains(t, r.header.Get("WWW-Authenticate"), `Basic realm="shelf"`, "%s %s", route.method, route.path)
		}
		return
	}
	code := map[int]string{http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden"}[status]
	e := requireError(t, r, status, code)
	if status == http.StatusUnauthorized {
		require.Equal(t, `Bearer realm="shelf"`, r.header.Get("WWW-Authenticate"), "%s %s: %s", route.method, route.path, e.Error.Message)
	}
}

func TestReadsAreOpenUnlessProtected(t *testing.T) {
	t.Parallel()
	open := setup(t, withToken(false))
	require.Equal(t, http.StatusOK, open.do(t, http.MethodGet, "/api/tasks", nil).status)

	protected := setup(t, withToken(true))
	for _, route := range routeTable(t, protected) {
		if route.method != fiber.MethodGet {
			continue
		}
		path := concretePath(route.path)
		r := protected.do(t, http.MethodGet, path, nil, route.as()...)
		if route.role == "none" || route.role == "anyone" {
			require.NotEqual(t, http.StatusUnauthorized, r.status, "%s is always open", path)
			continue
		}
		requireRefused(t, route, r, http.StatusUnauthorized)
		r = protected.do(t, http.MethodGet, path, nil, route.as("Authorization", "Bearer "+testToken)...)
		require.NotEqual(t, http.StatusUnauthorized, r.status, "GET %s with the token: %s", path, r.body)
	}
}

func TestWithoutATokenTheAPIIsOpen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	me := decode[struct {
		Via         string   `json:"via"`
		Open        bool     `json:"open"`
		SetupNeeded bool     `json:"setup_needed"`
		Roles       []string `json:"roles"`
	}](t, b.do(t, http.MethodGet, "/api/me", nil))
	require.True(t, me.Open)
	require.True(t, me.SetupNeeded)
	require.Equal(t, "open", me.Via)
	require.Equal(t, []string{"admin", "shop", "backup"}, me.Roles)
}

// The comparison is of the whole token: a prefix, an extension or another case is refused;
// surrounding spaces and the scheme's case are not part of it. (A token padded with a control
// character never reaches the api: the HTTP parser refuses the header, see the HTTP fuzz test.)
func TestOnlyTheWholeTokenIsAccepted(t *testing.T) {
	t.Parallel()
	for _, withUsers := range []bool{false, true} {
		b := setup(t, withToken(false))
		if withUsers {
			b.addUser(t, "alice", "alice-password", account.RoleShop)
		}
		for _, header := range []string{
			"Bearer " + testToken[:len(testToken)-1], "Bearer " + testToken + "x", "Bearer " + strings.ToUpper(testToken),
			"Bearer", "Bearer ", "Basic " + testToken, "Bearer " + strings.Repeat("x", 1000),
		} {
			requireError(t, b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`, "Authorization", header), http.StatusUnauthorized, "unauthorized")
		}
		for _, header := range []string{"Bearer " + testToken, "bearer " + testToken, "Bearer  " + testToken + " "} {
			r := b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`, "Authorization", header)
			require.Contains(t, []int{http.StatusCreated, http.StatusOK}, r.status, "%q: %s", header, r.body)
		}
	}
}

// addUser makes a user directly in the database.
func (b *testBundle) addUser(t testing.TB, name, password string, roles ...account.Role) account.User {
	t.Helper()
	var rs account.RoleSet
	for _, r := range roles {
		rs = rs.With(r)
	}
	u, err := account.CreateUser(b.ctx, b.db, account.NewUser{Username: name, Password: password, Roles: rs})
	require.NoError(t, err)
	return u
}
