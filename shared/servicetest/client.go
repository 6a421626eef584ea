package servicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// API is a typed client of shelf's REST API for the tests that drive the real services. Every
// answer is decoded into the type the api encodes it from (api.TaskList, queue.Task,
// settings.Settings, …), so a test never guesses at a response's shape, and a change of shape
// breaks the build or the decoding, not a check's logic.
//
// Methods return errors rather than failing the test: a test polls through an api that may be
// restarting, and decides itself what an error means.
type API struct {
	// Base is the api's root URL, e.g. "http://127.0.0.1:8080".
	Base string
	// Token is SHELF_API_TOKEN; empty sends no Authorization header.
	Token string
}

// apiHTTP is generous: a listing of a thousand tasks from a busy SQLite database in a
// container on a shared machine can take seconds.
var apiHTTP = &http.Client{Timeout: 30 * time.Second}

// StatusError is an answer outside 2xx. Body is the api's error document (every API error is
// one); Raw is what came, for messages.
type StatusError struct {
	Method, Path string
	Status       int
	Body         api.ErrorBody
	Raw          string
}

func (e *StatusError) Error() string {
	raw := e.Raw
	if len(raw) > 500 {
		raw = raw[:500] + "…"
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, raw)
}

// HTTPStatusOf is the status of a *StatusError in err's chain, or 0 when the request got no
// answer at all (the api was down, say).
func HTTPStatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// Args encodes a task's args for api.CreateTaskRequest. Test args are plain structs and maps,
// which always encode, so a failure is a bug in the test and panics.
func Args(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("servicetest.Args(%#v): %v", v, err))
	}
	return b
}

// NewTask is the POST /api/tasks body that enqueues typed args, the client's queue.NewParams:
// the task's name is the args' Kind. Set the other fields (DedupKey, MaxAttempts, …) on the
// result.
func NewTask(args queue.Args) api.CreateTaskRequest {
	return api.CreateTaskRequest{Name: args.Kind(), Args: Args(args)}
}

// do sends body (JSON, when not nil) and decodes a 2xx answer into out (when not nil).
func (c *API) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encoding the body: %w", method, path, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := apiHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		se := &StatusError{Method: method, Path: path, Status: resp.StatusCode, Raw: string(raw)}
		_ = json.Unmarshal(raw, &se.Body) // best effort: Raw holds it either way
		return se
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decoding %T from %.300s: %w", method, path, out, raw, err)
	}
	return nil
}

// Enqueue sends POST /api/tasks.
func (c *API) Enqueue(ctx context.Context, req api.CreateTaskRequest) (api.Enqueued, error) {
	var out api.Enqueued
	err := c.do(ctx, http.MethodPost, "/api/tasks", req, &out)
	return out, err
}

// Task is GET /api/tasks/{id}: the task and how its children stand.
func (c *API) Task(ctx context.Context, id int64) (api.TaskResponse, error) {
	var out api.TaskResponse
	err := c.do(ctx, http.MethodGet, "/api/tasks/"+strconv.FormatInt(id, 10), nil, &out)
	return out, err
}

// TaskQuery filters GET /api/tasks; zero fields filter nothing.
type TaskQuery struct {
	Name     string
	Status   queue.Status
	ParentID int64
	// Limit is the page size; 0 is the api's default. AllTasks pages with the maximum.
	Limit  int
	Cursor *int64
}

func (q TaskQuery) encode() string {
	v := url.Values{}
	if q.Name != "" {
		v.Set("name", q.Name)
	}
	if q.Status != "" {
		v.Set("status", string(q.Status))
	}
	if q.ParentID != 0 {
		v.Set("parent_id", strconv.FormatInt(q.ParentID, 10))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != nil {
		v.Set("cursor", strconv.FormatInt(*q.Cursor, 10))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Tasks is one page of GET /api/tasks.
func (c *API) Tasks(ctx context.Context, q TaskQuery) (api.TaskList, error) {
	var out api.TaskList
	err := c.do(ctx, http.MethodGet, "/api/tasks"+q.encode(), nil, &out)
	return out, err
}

// maxPage is the api's largest page (maxListLimit).
const maxPage = 1000

// AllTasks follows next_cursor through every page of q.
func (c *API) AllTasks(ctx context.Context, q TaskQuery) ([]queue.Task, error) {
	q.Limit, q.Cursor = maxPage, nil
	var all []queue.Task
	for {
		page, err := c.Tasks(ctx, q)
		if err != nil {
			return all, err
		}
		all = append(all, page.Tasks...)
		if page.NextCursor == nil {
			return all, nil
		}
		q.Cursor = page.NextCursor
	}
}

// Children lists every child of parent in status (every status when empty), over all pages.
func (c *API) Children(ctx context.Context, parent int64, status queue.Status) ([]queue.Task, error) {
	return c.AllTasks(ctx, TaskQuery{ParentID: parent, Status: status})
}

// Settings is GET /api/settings: the settings in force.
func (c *API) Settings(ctx context.Context) (settings.Settings, error) {
	var out settings.Settings
	err := c.do(ctx, http.MethodGet, "/api/settings", nil, &out)
	return out, err
}

// PutSettings is PUT /api/settings with a whole or partial settings document; it answers
// with the settings now in force.
func (c *API) PutSettings(ctx context.Context, patch any) (settings.Settings, error) {
	var out settings.Settings
	err := c.do(ctx, http.MethodPut, "/api/settings", patch, &out)
	return out, err
}

// Scan is POST /api/library/scan: one library folder, or all of them when path is "".
func (c *API) Scan(ctx context.Context, path string) (api.ScanResult, error) {
	var out api.ScanResult
	var body any
	if path != "" {
		body = map[string]string{"path": path}
	}
	err := c.do(ctx, http.MethodPost, "/api/library/scan", body, &out)
	return out, err
}

// Library is GET /api/library: the index the pipeline generated.
func (c *API) Library(ctx context.Context) (pipeline.LibraryIndex, error) {
	var out pipeline.LibraryIndex
	err := c.do(ctx, http.MethodGet, "/api/library", nil, &out)
	return out, err
}

// Ready is nil when GET /readyz answers 200: the database answers and its schema is current.
func (c *API) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil)
}

// Metrics scrapes the api's /metrics.
func (c *API) Metrics(ctx context.Context) (Metrics, error) {
	return Scrape(ctx, c.Base+"/metrics")
}
