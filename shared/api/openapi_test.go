package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
)

// fiberParam matches a Fiber route parameter such as ":id".
var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// The OpenAPI document and the router must describe the same API: a route added without a
// description, or a description left behind by a removed route, fails here.
func TestOpenAPIDescribesEveryRouteAndNoOther(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodGet, "/api/openapi.json", nil)
	require.Equal(t, http.StatusOK, r.status)
	doc := decode[struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas         map[string]any `json:"schemas"`
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}](t, r)
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3.1"))
	require.Contains(t, doc.Components.Schemas, "Error")
	require.Contains(t, doc.Components.SecuritySchemes, "bearer")

	routes := map[string]bool{}
	for _, route := range b.app.GetRoutes(true) {
		// Fiber adds a HEAD route for every GET; the GET's description covers it.
		if route.Method == fiber.MethodHead {
			continue
		}
		routes[route.Method+" "+fiberParam.ReplaceAllString(route.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			documented[strings.ToUpper(method)+" "+path] = true
			require.NotEmpty(t, op["summary"], "%s %s has no summary", method, path)
			require.NotEmpty(t, op["responses"], "%s %s has no responses", method, path)
		}
	}
	require.Equal(t, sorted(routes), sorted(documented), "routes (left) vs the OpenAPI document (right)")
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every $ref in the document points at a schema it defines.
func TestOpenAPIReferencesResolve(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := string(b.do(t, http.MethodGet, "/api/openapi.json", nil).body)
	doc := decode[struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}](t, response{body: []byte(body)})
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(body, -1) {
		require.Contains(t, doc.Components.Schemas, m[1])
	}
}
