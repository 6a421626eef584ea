package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/storetest"
)

const testToken = "s3cret-token"

// testBundle is one API over a fresh database, queue and settings file.
type testBundle struct {
	ctx     context.Context
	app     *fiber.App
	db      *gorm.DB
	q       *queue.Queue
	set     *settings.Manager
	opts    api.Options
	dataDir string
}

// setup builds the API with the real queue (diagnostic and pipeline tasks), a settings file in
// a temporary data folder and the queue's metrics; edit may change the options.
func setup(t testing.TB, edit ...func(*api.Options)) *testBundle {
	t.Helper()
	_, db := storetest.Open(t)
	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	pipeline.Register(reg, pipeline.Deps{})
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	dataDir := t.TempDir()
	set, err := settings.NewManager(filepath.Join(dataDir, "settings.yaml"), log)
	require.NoError(t, err)
	q := queue.New(db, reg, queue.Options{})
	promReg := prometheus.NewRegistry()
	metrics.RegisterQueue(promReg, q, log)
	opts := api.Options{Queue: q, DB: db, Settings: set, DataDir: dataDir, Metrics: promReg, Logger: log}
	for _, e := range edit {
		e(&opts)
	}
	return &testBundle{ctx: context.Background(), app: api.New(opts), db: db, q: q, set: set, opts: opts, dataDir: dataDir}
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request. body is sent as is when it is a string or []byte, else as JSON; headers
// are name, value pairs.
func (b *testBundle) do(t testing.TB, method, path string, body any, headers ...string) response {
	t.Helper()
	return doApp(t, b.app, method, path, body, headers...)
}

// doForm posts an HTML form's body.
func (b *testBundle) doForm(t testing.TB, path, form string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader([]byte(form)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, b.app, req)
}

// doApp is do on any app (another replica over the same database).
func doApp(t testing.TB, app *fiber.App, method, path string, body any, headers ...string) response {
	t.Helper()
	var r io.Reader = http.NoBody
	switch v := body.(type) {
	case nil:
	case string:
		if v != "" {
			r = bytes.NewReader([]byte(v))
		}
	case []byte:
		r = bytes.NewReader(v)
	default:
		data, err := json.Marshal(v)
		require.NoError(t, err)
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, app, req)
}

func send(t testing.TB, app *fiber.App, req *http.Request) response {
	t.Helper()
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// decode decodes the body into a T, failing the test when it is not JSON of that shape.
func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(r.body, &v), "body: %s", r.body)
	return v
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

// requireError checks an error answer's status and code and returns it.
func requireError(t testing.TB, r response, status int, code string) apiError {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Contains(t, r.header.Get("Content-Type"), "application/json")
	e := decode[apiError](t, r)
	require.Equal(t, code, e.Error.Code, "body: %s", r.body)
	require.NotEmpty(t, e.Error.Message)
	require.NotNil(t, e.Error.Details, "details is always an array")
	return e
}

// requireConsoleError checks an error answer of a console client route (the shop): its
// status and {"error": "<message>"}, and returns the message.
func requireConsoleError(t testing.TB, r response, status int) string {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Contains(t, r.header.Get("Content-Type"), "application/json")
	e := decode[struct {
		Error string `json:"error"`
	}](t, r)
	require.NotEmpty(t, e.Error, "body: %s", r.body)
	return e.Error
}

// requireFieldError checks a 422 invalid_field that names field.
func requireFieldError(t testing.TB, r response, field string) {
	t.Helper()
	e := requireError(t, r, http.StatusUnprocessableEntity, "invalid_field")
	var fields []string
	for _, d := range e.Error.Details {
		fields = append(fields, d.Field)
	}
	require.Contains(t, fields, field, "body: %s", r.body)
}

type taskBody struct {
	Task         queue.Task `json:"task"`
	Deduplicated bool       `json:"deduplicated"`
}

// enqueue creates a task through the API.
func (b *testBundle) enqueue(t testing.TB, body map[string]any) queue.Task {
	t.Helper()
	r := b.do(t, http.MethodPost, "/api/tasks", body)
	require.Contains(t, []int{http.StatusCreated, http.StatusOK}, r.status, "body: %s", r.body)
	return decode[taskBody](t, r).Task
}

// claim makes the next due task running, as a worker would.
func (b *testBundle) claim(t testing.TB) queue.Task {
	t.Helper()
	tasks, err := b.q.Claim(b.ctx, "test-worker", 1)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	return tasks[0]
}

// finish claims the next due task and ends it: completed when cause is nil, failed otherwise.
func (b *testBundle) finish(t testing.TB, cause error) queue.Task {
	t.Helper()
	task := b.claim(t)
	if cause != nil {
		cause = queue.Permanent(cause)
	}
	errs, err := b.q.Finish(b.ctx, []queue.Outcome{{Ref: queue.RefOf(task), Err: cause}})
	require.NoError(t, err)
	require.NoError(t, errors.Join(errs...))
	return task
}

// writeLibraryIndex stores data where generate_library leaves the library index for the api:
// the LibraryIndex document on PostgreSQL, the data folder's file on SQLite.
func (b *testBundle) writeLibraryIndex(t testing.TB, data []byte) {
	t.Helper()
	if document.Shared(b.db) {
		_, err := document.New(b.db).Put(b.ctx, document.LibraryIndex, data, document.Any)
		require.NoError(t, err)
		return
	}
	path := pipeline.LibraryIndexPath(b.dataDir)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}
