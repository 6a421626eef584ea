package api_test

// Every route of a live api (a real HTTP server on 127.0.0.1), sent good and bad requests;
// each answer is validated against GET /api/openapi.json by libopenapi-validator: its status
// must be documented for the operation and its body must match that status's schema. Good
// requests must also be valid requests by the document.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/queue"
)

// liveAPI is the bundle's app serving on a loopback port, with a validator of its document.
type liveAPI struct {
	*testBundle
	base      string
	validator validator.Validator
	errSchema *base.Schema
	// statuses records which statuses each operation was seen to answer.
	statuses map[string]map[int]bool
}

func startLive(t *testing.T, edit ...func(*api.Options)) *liveAPI {
	t.Helper()
	b := setup(t, edit...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- b.app.Listener(ln) }()
	t.Cleanup(func() {
		require.NoError(t, b.app.ShutdownWithTimeout(5*time.Second))
		<-served
	})
	l := &liveAPI{testBundle: b, base: "http://" + ln.Addr().String(), statuses: map[string]map[int]bool{}}

	// With ProtectReads the document is a read like any other.
	spec := l.send(t, http.MethodGet, "/api/openapi.json", "", "Authorization", "Bearer "+b.opts.Token).body
	doc, err := libopenapi.NewDocument(spec)
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	valid, verrs := v.ValidateDocument()
	require.True(t, valid, "the document is valid OpenAPI 3.1: %v", verrs)
	l.validator = v
	model, err := doc.BuildV3Model()
	require.NoError(t, err)
	l.errSchema = model.Model.Components.Schemas.GetOrZero("Error").Schema()
	require.NotNil(t, l.errSchema)
	return l
}

type liveAnswer struct {
	status int
	body   []byte
}

// send makes one request; headers are name, value pairs. A body is sent as JSON.
func (l *liveAPI) send(t *testing.T, method, path, body string, headers ...string) liveAnswer {
	t.Helper()
	req := l.request(t, method, path, body, headers...)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return liveAnswer{status: resp.StatusCode, body: data}
}

func (l *liveAPI) request(t *testing.T, method, path, body string, headers ...string) *http.Request {
	t.Helper()
	var r io.Reader = http.NoBody
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, l.base+path, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// check sends a request, requires the status, and validates the answer against the document
// (and the request too when good says it is a valid one).
func (l *liveAPI) check(t *testing.T, good bool, want int, method, path, body string, headers ...string) []byte {
	t.Helper()
	req := l.request(t, method, path, body, headers...)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	where := fmt.Sprintf("%s %s", method, path)
	require.Equal(t, want, resp.StatusCode, "%s: %s", where, data)

	// The validator reads both bodies again.
	req = l.request(t, method, path, body, headers...)
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if good {
		ok, errs := l.validator.ValidateHttpRequest(req)
		require.True(t, ok, "%s is a valid request by the document: %s", where, describe(errs))
		req = l.request(t, method, path, body, headers...)
	}
	ok, errs := l.validator.ValidateHttpResponse(req, resp)
	require.True(t, ok, "%s answered %d: %s\nbody: %s", where, want, describe(errs), data)
	return data
}

// checkUnrouted sends a request that no operation covers (an unknown path, a wrong method)
// and validates its Error body, which the document's description promises.
func (l *liveAPI) checkUnrouted(t *testing.T, want int, method, path string) {
	t.Helper()
	a := l.send(t, method, path, "")
	require.Equal(t, want, a.status, "%s %s: %s", method, path, a.body)
	ok, errs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(l.errSchema, a.body)
	require.True(t, ok, "%s %s: the body is an Error: %s (%s)", method, path, describe(errs), a.body)
}

func describe[E interface{ Error() string }](errs []E) string {
	var parts []string
	for _, e := range errs {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "; ")
}

func TestEveryRouteAnswersAsTheOpenAPIDocumentSays(t *testing.T) {
	t.Parallel()
	l := startLive(t)
	library := t.TempDir()
	_, err := l.set.Update([]byte(`{"library":{"paths":["` + library + `"]}}`))
	require.NoError(t, err)

	// Tasks in every state a route cares about.
	pending := l.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"n": 1}})
	l.finish(t, nil)
	completed := pending
	pending = l.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"n": 2}})
	other := l.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"n": 3}})
	id := func(task queue.Task) string { return fmt.Sprint(task.ID) }

	l.check(t, true, 200, "GET", "/livez", "")
	l.check(t, true, 200, "GET", "/readyz", "")
	l.check(t, true, 200, "GET", "/metrics", "")
	l.check(t, true, 200, "GET", "/metrics", "", "Accept", "application/openmetrics-text;version=1.0.0")
	l.check(t, true, 200, "GET", "/api/openapi.json", "")

	l.check(t, true, 201, "POST", "/api/tasks", `{"name":"echo","args":{"n":9}}`)
	l.check(t, true, 200, "POST", "/api/tasks", `{"name":"echo","args":{"n":9}}`) // deduplicated
	l.check(t, false, 422, "POST", "/api/tasks", `{"name":"no_such_task"}`)
	l.check(t, false, 400, "POST", "/api/tasks", `{"name":`)
	l.check(t, true, 200, "GET", "/api/tasks", "")
	l.check(t, true, 200, "GET", "/api/tasks?status=pending&limit=2", "")
	l.check(t, false, 422, "GET", "/api/tasks?status=bogus", "")
	l.check(t, false, 422, "GET", "/api/tasks?limit=0", "")
	l.check(t, true, 200, "GET", "/api/tasks/"+id(completed), "")
	l.check(t, true, 404, "GET", "/api/tasks/999999", "")
	l.check(t, false, 422, "GET", "/api/tasks/abc", "")

	l.check(t, true, 200, "PATCH", "/api/tasks/"+id(pending), `{"priority":5}`)
	l.check(t, true, 409, "PATCH", "/api/tasks/"+id(completed), `{"priority":5}`)
	l.check(t, false, 400, "PATCH", "/api/tasks/"+id(pending), `{"priority":`)
	l.check(t, false, 422, "PATCH", "/api/tasks/"+id(pending), `{"priority":"high"}`)
	l.check(t, true, 404, "PATCH", "/api/tasks/999999", `{"priority":5}`)

	l.check(t, true, 200, "POST", "/api/tasks/"+id(other)+"/cancel", "")
	l.check(t, true, 409, "POST", "/api/tasks/"+id(completed)+"/cancel", "")
	l.check(t, true, 404, "POST", "/api/tasks/999999/cancel", "")
	l.check(t, true, 200, "POST", "/api/tasks/"+id(other)+"/retry", "")
	l.check(t, true, 409, "POST", "/api/tasks/"+id(pending)+"/retry", "")
	l.check(t, true, 404, "POST", "/api/tasks/999999/retry", "")
	l.check(t, false, 422, "POST", "/api/tasks/0/retry", "")

	l.check(t, true, 200, "DELETE", "/api/tasks/"+id(other), "")
	l.check(t, true, 409, "DELETE", "/api/tasks/"+id(completed), "")
	l.check(t, true, 404, "DELETE", "/api/tasks/999999", "")
	l.check(t, true, 200, "DELETE", "/api/tasks?status=completed", "")
	l.check(t, false, 422, "DELETE", "/api/tasks", "")

	l.check(t, true, 200, "GET", "/api/task-types", "")
	l.check(t, true, 200, "GET", "/api/workers", "")
	l.check(t, true, 200, "GET", "/api/stats", "")

	l.check(t, true, 200, "GET", "/api/settings", "")
	l.check(t, true, 200, "PUT", "/api/settings", `{"worker":{"slots":2}}`)
	l.check(t, false, 422, "PUT", "/api/settings", `{"worker":{"slots":0}}`)
	l.check(t, false, 400, "PUT", "/api/settings", `[1, 2]`)
	l.check(t, true, 200, "POST", "/api/settings/preview", `{}`)
	l.check(t, false, 422, "POST", "/api/settings/preview", `{"library":{"management":{"organizer":{"templates":{"base":"{noSuchField}"}}}}}`)
	l.check(t, false, 400, "POST", "/api/settings/preview", `{"library":`)

	l.check(t, true, 404, "GET", "/api/library", "")
	l.writeLibraryIndex(t, []byte(`{"titles":[]}`))
	l.check(t, true, 200, "GET", "/api/library", "")
	etag := l.requestETag(t)
	l.check(t, true, 304, "GET", "/api/library", "", "If-None-Match", etag)
	l.check(t, true, 202, "POST", "/api/library/scan", `{"path":"`+library+`"}`)
	l.check(t, false, 422, "POST", "/api/library/scan", `{"path":"/not/a/library"}`)
	l.check(t, false, 400, "POST", "/api/library/scan", `{"path":`)
	l.check(t, true, 404, "GET", "/api/titles/0100000000001000", "")
	l.check(t, false, 422, "GET", "/api/titles/not-hex", "")
	l.check(t, true, 200, "GET", "/api/files", "")
	l.check(t, false, 422, "GET", "/api/files?unidentified=maybe", "")

	content := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	f := addCatalogFile(t, l.testBundle, library, "Game [0100000000010000][v0].nsp", content)
	file := fmt.Sprintf("/api/shop/files/%d/%s", f.ID, "Game.nsp")
	l.check(t, true, 200, "GET", "/api/shop", "")
	l.check(t, true, 200, "GET", file, "")
	l.check(t, true, 206, "GET", file, "", "Range", "bytes=0-9")
	l.check(t, true, 416, "GET", file, "", "Range", "bytes=1000-2000")
	l.check(t, true, 404, "GET", "/api/shop/files/999999/x.nsp", "")
	l.check(t, false, 422, "GET", "/api/shop/files/abc/x.nsp", "")
	etagOf := func(path string, headers ...string) string {
		req := l.request(t, "GET", path, "", headers...)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.Header.Get("ETag")
	}
	l.check(t, true, 304, "GET", file, "", "If-None-Match", etagOf(file))
	l.check(t, true, 200, "GET", file, "", "Range", "bytes=0-9", "If-Range", `"stale"`)
	l.check(t, true, 200, "GET", "/api/shop/base", "")
	l.check(t, false, 404, "GET", "/api/shop/demos", "")
	l.check(t, true, 200, "GET", "/api/files?downloaded=true", "")
	l.check(t, false, 422, "GET", "/api/files?downloaded=true&noted=true", "")

	// The shop at the root, as consoles ask for it (Tinfoil: JSON; Sphaira: HTML).
	tinfoil := append(slices.Clone(tinfoilHeaders), "Accept", "*/*")
	sphaira := []string{"User-Agent", "", "Accept", "*/*"}
	name := "/" + url.PathEscape(f.Name)
	l.check(t, true, 200, "GET", "/", "", tinfoil...)
	l.check(t, true, 200, "GET", "/", "", sphaira...)
	l.check(t, true, 200, "GET", "/base", "", tinfoil...)
	l.check(t, true, 200, "GET", "/update/", "", sphaira...)
	l.check(t, true, 200, "GET", name, "", sphaira...)
	l.check(t, true, 206, "GET", name, "", append(slices.Clone(sphaira), "Range", "bytes=0-9")...)
	l.check(t, true, 304, "GET", name, "", append(slices.Clone(sphaira), "If-None-Match", etagOf(name, sphaira...))...)
	l.check(t, true, 416, "GET", name, "", append(slices.Clone(sphaira), "Range", "bytes=1000-")...)
	l.check(t, true, 404, "GET", "/no-such-file.nsp", "", tinfoil...)
	l.check(t, true, 404, "GET", "/base"+name, "", sphaira...) // not identified: in no filter
	l.check(t, false, 404, "GET", "/demos"+name, "", sphaira...)
	_, err = l.set.Update([]byte(`{"shop":{"host":"shop.example.com"}}`))
	require.NoError(t, err)
	l.check(t, true, 421, "GET", "/", "", tinfoil...)
	l.check(t, true, 421, "GET", "/base"+name, "", sphaira...)
	l.check(t, true, 421, "GET", "/api/shop", "")
	_, err = l.set.Update([]byte(`{"shop":{"host":"","clients":{"sphaira":{"enabled":false}}}}`))
	require.NoError(t, err)
	l.check(t, true, 403, "GET", "/", "", sphaira...)
	l.check(t, true, 403, "GET", "/api/shop/base", "", sphaira...)

	l.checkUnrouted(t, 404, "GET", "/api/no/such/route")
	l.checkUnrouted(t, 405, "PUT", "/api/tasks")
	l.checkUnrouted(t, 405, "POST", "/livez")
}

func (l *liveAPI) requestETag(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(l.base + "/api/library")
	require.NoError(t, err)
	resp.Body.Close()
	require.NotEmpty(t, resp.Header.Get("ETag"))
	return resp.Header.Get("ETag")
}

// With a token set, requests without it answer 401 as documented, and with it as before.
func TestTokenAnswersAsTheOpenAPIDocumentSays(t *testing.T) {
	t.Parallel()
	l := startLive(t, func(o *api.Options) { o.Token = testToken; o.ProtectReads = true })
	bearer := []string{"Authorization", "Bearer " + testToken}
	l.check(t, false, 401, "POST", "/api/tasks", `{"name":"echo"}`)
	l.check(t, true, 201, "POST", "/api/tasks", `{"name":"echo"}`, bearer...)
	l.check(t, false, 401, "GET", "/api/tasks", "")
	l.check(t, true, 200, "GET", "/api/tasks", "", bearer...)
	l.check(t, false, 401, "PUT", "/api/settings", `{}`)
	l.check(t, true, 200, "GET", "/livez", "")
	l.check(t, true, 200, "GET", "/metrics", "")
}

// A body over the limit is a documented 413 on the routes that take one.
func TestOversizedBodyAnswersAsTheOpenAPIDocumentSays(t *testing.T) {
	t.Parallel()
	l := startLive(t, func(o *api.Options) { o.BodyLimit = 1024 })
	big := `{"name":"echo","args":{"pad":"` + strings.Repeat("x", 4096) + `"}}`
	req := l.request(t, "POST", "/api/tasks", big)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%s", data)
	resp.Body = io.NopCloser(bytes.NewReader(data))
	ok, errs := l.validator.ValidateHttpResponse(l.request(t, "POST", "/api/tasks", big), resp)
	require.True(t, ok, "413: %s (%s)", describe(errs), data)
}
