package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
)

func withToken(protectReads bool) func(*api.Options) {
	return func(o *api.Options) {
		o.Token = testToken
		o.ProtectReads = protectReads
	}
}

// concretePath fills a route's parameters (":id") with a value, e.g. /api/tasks/1/cancel.
func concretePath(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
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

// Every route that changes something, including any added later, needs the token.
func TestEveryMutatingRouteNeedsTheToken(t *testing.T) {
	t.Parallel()
	b := setup(t, withToken(false))
	checked := 0
	for _, route := range b.app.GetRoutes(true) {
		if !isMutating(route.Method) {
			continue
		}
		checked++
		path := concretePath(route.Path)
		requireError(t, b.do(t, route.Method, path, `{}`), http.StatusUnauthorized, "unauthorized")
		requireError(t, b.do(t, route.Method, path, `{}`, "Authorization", "Bearer wrong"), http.StatusUnauthorized, "unauthorized")
		requireError(t, b.do(t, route.Method, path, `{}`, "Authorization", testToken), http.StatusUnauthorized, "unauthorized")
		r := b.do(t, route.Method, path, `{}`, "Authorization", "Bearer "+testToken)
		require.NotEqual(t, http.StatusUnauthorized, r.status, "%s %s with the token: %s", route.Method, path, r.body)
	}
	require.GreaterOrEqual(t, checked, 8)

	r := b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`)
	require.Equal(t, `Bearer realm="shelf"`, r.header.Get("WWW-Authenticate"))
}

func TestReadsAreOpenUnlessProtected(t *testing.T) {
	t.Parallel()
	open := setup(t, withToken(false))
	require.Equal(t, http.StatusOK, open.do(t, http.MethodGet, "/api/tasks", nil).status)

	protected := setup(t, withToken(true))
	for _, route := range protected.app.GetRoutes(true) {
		if route.Method != fiber.MethodGet {
			continue
		}
		path := concretePath(route.Path)
		r := protected.do(t, http.MethodGet, path, nil)
		switch path {
		case "/livez", "/readyz", "/metrics":
			require.NotEqual(t, http.StatusUnauthorized, r.status, "%s is always open", path)
		default:
			requireError(t, r, http.StatusUnauthorized, "unauthorized")
			r = protected.do(t, http.MethodGet, path, nil, "Authorization", "Bearer "+testToken)
			require.NotEqual(t, http.StatusUnauthorized, r.status, "GET %s with the token: %s", path, r.body)
		}
	}
}

func TestWithoutATokenTheAPIIsOpen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
}

// The comparison is of the whole token: a prefix, an extension or another case is refused;
// surrounding spaces and the scheme's case are not part of it. (A token padded with a control
// character never reaches the api: the HTTP parser refuses the header, see the HTTP fuzz test.)
func TestOnlyTheWholeTokenIsAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t, withToken(false))
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
