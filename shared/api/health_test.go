package api_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/store"
)

func TestLivezAndReadyz(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/livez", "/readyz"} {
		r := b.do(t, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
		require.JSONEq(t, `{"status":"ok"}`, string(r.body))
	}
}

func TestReadyzFailsWithoutTheDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, store.Close(b.db))
	requireError(t, b.do(t, http.MethodGet, "/readyz", nil), http.StatusServiceUnavailable, "not_ready")
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/livez", nil).status)
}

func TestMetricsExposeTheQueue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, map[string]any{"name": "echo"})
	r := b.do(t, http.MethodGet, "/metrics", nil)
	require.Equal(t, http.StatusOK, r.status)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(r.body))
	require.NoError(t, err, "metrics: %s", r.body)
	require.Contains(t, families, "shelf_tasks")
}

func TestErrorsAreJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *api.Options) { o.BodyLimit = 1024 })

	requireError(t, b.do(t, http.MethodGet, "/api/nothing-here", nil), http.StatusNotFound, "not_found")
	requireError(t, b.do(t, http.MethodGet, "/nothing-here", nil), http.StatusNotFound, "not_found")
	requireError(t, b.do(t, http.MethodPut, "/api/tasks", `{}`), http.StatusMethodNotAllowed, "method_not_allowed")
	requireError(t, b.do(t, http.MethodPost, "/livez", nil), http.StatusMethodNotAllowed, "method_not_allowed")
}

// fasthttp rejects a body over the limit while reading the request, before any handler, and
// app.Test reports that as its own error; so this test talks to a real listener.
func TestBodyTooLargeAnswers413JSON(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *api.Options) { o.BodyLimit = 1024 })
	base := serve(t, b.app)
	big := `{"name":"echo","args":{"pad":"` + strings.Repeat("x", 2048) + `"}}`
	for method, path := range map[string]string{http.MethodPost: "/api/tasks", http.MethodPut: "/api/settings"} {
		req, err := http.NewRequest(method, base+path, strings.NewReader(big))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		requireError(t, response{status: resp.StatusCode, header: resp.Header, body: body},
			http.StatusRequestEntityTooLarge, "body_too_large")
	}
	r := b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`)
	require.Equal(t, http.StatusCreated, r.status, "a small body still passes")
}

// serve runs app on a local port until the test ends and returns its base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		require.NoError(t, app.Shutdown())
		<-done
	})
	return "http://" + ln.Addr().String()
}

func TestPanicsAnswerJSON500(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.app.Get("/api/test-panic", func(*fiber.Ctx) error { panic("boom") })
	requireError(t, b.do(t, http.MethodGet, "/api/test-panic", nil), http.StatusInternalServerError, "internal")
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/livez", nil).status, "the app still serves")
}

func TestStaticFilesServeTheUI(t *testing.T) {
	t.Parallel()
	ui := fstest.MapFS{
		"index.html":    {Data: []byte("<h1>shelf</h1>")},
		"assets/app.js": {Data: []byte("console.log(1)")},
	}
	b := setup(t, func(o *api.Options) { o.Static = ui })
	r := b.do(t, http.MethodGet, "/", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "<h1>shelf</h1>", string(r.body))
	r = b.do(t, http.MethodGet, "/assets/app.js", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "console.log(1)", string(r.body))

	requireError(t, b.do(t, http.MethodGet, "/missing.js", nil), http.StatusNotFound, "not_found")
	requireError(t, b.do(t, http.MethodGet, "/api/missing", nil), http.StatusNotFound, "not_found")
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/tasks", nil).status)
}
