package api_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

type listBody struct {
	Tasks      []queue.Task `json:"tasks"`
	NextCursor *int64       `json:"next_cursor"`
}

func TestCreateTaskAnswers201ThenDeduplicates200(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := map[string]any{"name": "echo", "args": map[string]any{"hello": "shelf"}}

	first := b.do(t, http.MethodPost, "/api/tasks", body)
	require.Equal(t, http.StatusCreated, first.status, "body: %s", first.body)
	created := decode[taskBody](t, first)
	require.False(t, created.Deduplicated)
	require.Equal(t, "echo", created.Task.Name)
	require.Equal(t, queue.StatusPending, created.Task.Status)
	require.JSONEq(t, `{"hello":"shelf"}`, string(created.Task.Args))

	again := b.do(t, http.MethodPost, "/api/tasks", body)
	require.Equal(t, http.StatusOK, again.status, "body: %s", again.body)
	dup := decode[taskBody](t, again)
	require.True(t, dup.Deduplicated)
	require.Equal(t, created.Task.ID, dup.Task.ID)
}

func TestCreateTaskAppliesOptions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runAfter := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	task := b.enqueue(t, map[string]any{"name": "echo", "priority": -5, "max_attempts": 2,
		"run_after": runAfter.Format(time.RFC3339), "delay": "90s", "dedup_key": "mine"})
	require.Equal(t, -5, task.Priority)
	require.Equal(t, 2, task.MaxAttempts)
	require.WithinDuration(t, runAfter.Add(90*time.Second), task.RunAfter, time.Second)

	// The same dedup key absorbs a task with other args.
	r := b.do(t, http.MethodPost, "/api/tasks", map[string]any{"name": "echo", "args": map[string]any{"x": 1}, "dedup_key": "mine"})
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, task.ID, decode[taskBody](t, r).Task.ID)

	delayed := b.enqueue(t, map[string]any{"name": "sleep", "delay": "1h"})
	require.WithinDuration(t, time.Now().Add(time.Hour), delayed.RunAfter, time.Minute)
}

func TestCreateTaskRejectsClientMistakes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"unknown task", `{"name":"no_such_task"}`, 422, "unknown_task", ""},
		{"missing name", `{"args":{}}`, 422, "invalid_field", "name"},
		{"bad JSON", `{"name":`, 400, "invalid_json", ""},
		{"empty body", ``, 400, "invalid_json", ""},
		{"not an object", `["echo"]`, 400, "invalid_json", ""},
		{"trailing data", `{"name":"echo"} {}`, 400, "invalid_json", ""},
		{"unknown field", `{"name":"echo","colour":"red"}`, 422, "invalid_field", "colour"},
		{"wrong type", `{"name":"echo","priority":"high"}`, 422, "invalid_field", "priority"},
		{"fractional priority", `{"name":"echo","priority":1.5}`, 422, "invalid_field", "priority"},
		{"priority out of range", `{"name":"echo","priority":99999999999}`, 422, "invalid_field", "priority"},
		{"args not an object", `{"name":"echo","args":[1,2]}`, 422, "invalid_field", "args"},
		{"number out of range in args", `{"name":"echo","args":{"n":1e999}}`, 422, "invalid_field", "args"},
		{"bad run_after", `{"name":"echo","run_after":"tomorrow"}`, 422, "invalid_field", "run_after"},
		{"bad delay", `{"name":"echo","delay":"soon"}`, 422, "invalid_field", "delay"},
		{"negative delay", `{"name":"echo","delay":"-5s"}`, 422, "invalid_field", "delay"},
		{"negative max_attempts", `{"name":"echo","max_attempts":-1}`, 422, "invalid_field", "max_attempts"},
		{"control character in dedup_key", `{"name":"echo","dedup_key":"a\u0000b"}`, 422, "invalid_field", "dedup_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.do(t, http.MethodPost, "/api/tasks", tc.body)
			if tc.field != "" {
				requireFieldError(t, r, tc.field)
				return
			}
			requireError(t, r, tc.status, tc.code)
		})
	}
}

func TestListTasksPagesNewestFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, b.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"i": i}}).ID)
	}
	var seen []int64
	path := "/api/tasks?limit=2"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "pagination does not end")
		page := decode[listBody](t, b.do(t, http.MethodGet, path, nil))
		require.LessOrEqual(t, len(page.Tasks), 2)
		for _, task := range page.Tasks {
			seen = append(seen, task.ID)
		}
		if page.NextCursor == nil {
			break
		}
		path = fmt.Sprintf("/api/tasks?limit=2&cursor=%d", *page.NextCursor)
	}
	require.Equal(t, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}, seen)

	// next_cursor is present and null on the last page.
	last := b.do(t, http.MethodGet, "/api/tasks?limit=10", nil)
	require.Contains(t, string(last.body), `"next_cursor":null`)
}

func TestListTasksFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	parent := b.enqueue(t, map[string]any{"name": "fanout"})
	b.enqueue(t, map[string]any{"name": "echo"})
	running := b.claim(t) // the fanout, enqueued first
	require.Equal(t, parent.ID, running.ID)
	job := b.q.NewJob(running, "test-worker", slog.Default())
	require.NoError(t, job.Spawn(b.ctx, queue.Params{Name: "echo", Args: map[string]any{"child": 1}},
		queue.Params{Name: "echo", Args: map[string]any{"child": 2}}))

	top := decode[listBody](t, b.do(t, http.MethodGet, "/api/tasks", nil))
	require.Len(t, top.Tasks, 2, "children are not top-level")

	children := decode[listBody](t, b.do(t, http.MethodGet, fmt.Sprintf("/api/tasks?parent_id=%d", parent.ID), nil))
	require.Len(t, children.Tasks, 2)
	for _, c := range children.Tasks {
		require.Equal(t, parent.ID, *c.ParentID)
	}

	byStatus := decode[listBody](t, b.do(t, http.MethodGet, "/api/tasks?status=running", nil))
	require.Len(t, byStatus.Tasks, 1)
	require.Equal(t, parent.ID, byStatus.Tasks[0].ID)

	byName := decode[listBody](t, b.do(t, http.MethodGet, "/api/tasks?name=echo", nil))
	require.Len(t, byName.Tasks, 1)

	detail := decode[struct {
		Task            queue.Task     `json:"task"`
		ChildrenSummary map[string]int `json:"children_summary"`
	}](t, b.do(t, http.MethodGet, fmt.Sprintf("/api/tasks/%d", parent.ID), nil))
	require.Equal(t, parent.ID, detail.Task.ID)
	require.Equal(t, 2, detail.ChildrenSummary["pending"])
	require.Equal(t, 0, detail.ChildrenSummary["completed"], "every status is present")
	require.Len(t, detail.ChildrenSummary, len(queue.Statuses))
}

func TestListTasksRejectsBadQueries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for query, field := range map[string]string{
		"status=bogus": "status", "limit=0": "limit", "limit=1001": "limit", "limit=ten": "limit",
		"cursor=-1": "cursor", "cursor=x": "cursor", "parent_id=abc": "parent_id",
	} {
		requireFieldError(t, b.do(t, http.MethodGet, "/api/tasks?"+query, nil), field)
	}
}

func TestGetTaskAnswersNotFoundAndBadID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireError(t, b.do(t, http.MethodGet, "/api/tasks/12345", nil), 404, "not_found")
	requireFieldError(t, b.do(t, http.MethodGet, "/api/tasks/abc", nil), "id")
	requireFieldError(t, b.do(t, http.MethodGet, "/api/tasks/0", nil), "id")
}

func TestCancelAndRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	task := b.enqueue(t, map[string]any{"name": "echo"})
	path := fmt.Sprintf("/api/tasks/%d", task.ID)

	requireError(t, b.do(t, http.MethodPost, path+"/retry", nil), 409, "invalid_state")
	cancelled := decode[taskBody](t, b.do(t, http.MethodPost, path+"/cancel", nil)).Task
	require.Equal(t, queue.StatusCancelled, cancelled.Status)
	requireError(t, b.do(t, http.MethodPost, path+"/cancel", nil), 409, "invalid_state")

	retried := b.do(t, http.MethodPost, path+"/retry", nil)
	require.Equal(t, http.StatusOK, retried.status, "body: %s", retried.body)
	require.Equal(t, queue.StatusPending, decode[taskBody](t, retried).Task.Status)

	requireError(t, b.do(t, http.MethodPost, "/api/tasks/999/cancel", nil), 404, "not_found")
	requireError(t, b.do(t, http.MethodPost, "/api/tasks/999/retry", nil), 404, "not_found")
}

func TestCancelRunningTaskAsksItToStop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, map[string]any{"name": "sleep"})
	running := b.claim(t)
	r := b.do(t, http.MethodPost, fmt.Sprintf("/api/tasks/%d/cancel", running.ID), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Equal(t, queue.StatusRunning, decode[taskBody](t, r).Task.Status, "its worker ends it")
	ids, err := b.q.CancelRequested(b.ctx, "test-worker")
	require.NoError(t, err)
	require.Equal(t, []int64{running.ID}, ids)
}

func TestRetryFailedTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, map[string]any{"name": "fail"})
	failed := b.finish(t, errors.New("boom"))
	r := b.do(t, http.MethodPost, fmt.Sprintf("/api/tasks/%d/retry", failed.ID), nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	task := decode[taskBody](t, r).Task
	require.Equal(t, queue.StatusPending, task.Status)
	require.Zero(t, task.Attempts)
}

func TestRescheduleTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	task := b.enqueue(t, map[string]any{"name": "echo"})
	path := fmt.Sprintf("/api/tasks/%d", task.ID)
	later := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)

	r := b.do(t, http.MethodPatch, path, map[string]any{"run_after": later.Format(time.RFC3339), "priority": 7})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got := decode[taskBody](t, r).Task
	require.True(t, later.Equal(got.RunAfter), "run_after %s, want %s", got.RunAfter, later)
	require.Equal(t, 7, got.Priority)

	// priority alone keeps run_after.
	got = decode[taskBody](t, b.do(t, http.MethodPatch, path, map[string]any{"priority": 1})).Task
	require.True(t, later.Equal(got.RunAfter))
	require.Equal(t, 1, got.Priority)

	requireFieldError(t, b.do(t, http.MethodPatch, path, `{}`), "run_after")
	requireFieldError(t, b.do(t, http.MethodPatch, path, `{"run_after":"later"}`), "run_after")
	requireFieldError(t, b.do(t, http.MethodPatch, path, `{"delay":"1s"}`), "delay")
	requireError(t, b.do(t, http.MethodPatch, path, `{`), 400, "invalid_json")
	requireError(t, b.do(t, http.MethodPatch, "/api/tasks/999", `{"priority":1}`), 404, "not_found")

	b.enqueue(t, map[string]any{"name": "sleep"})
	running := b.claim(t)
	requireError(t, b.do(t, http.MethodPatch, fmt.Sprintf("/api/tasks/%d", running.ID), `{"priority":2}`), 409, "invalid_state")
}

func TestRemoveTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	task := b.enqueue(t, map[string]any{"name": "echo"})
	path := fmt.Sprintf("/api/tasks/%d", task.ID)
	r := b.do(t, http.MethodDelete, path, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.JSONEq(t, `{"deleted":1}`, string(r.body))
	requireError(t, b.do(t, http.MethodGet, path, nil), 404, "not_found")
	requireError(t, b.do(t, http.MethodDelete, path, nil), 404, "not_found")

	running := b.enqueue(t, map[string]any{"name": "sleep"})
	b.claim(t)
	requireError(t, b.do(t, http.MethodDelete, fmt.Sprintf("/api/tasks/%d", running.ID), nil), 409, "invalid_state")
}

func TestPurgeTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 3 {
		task := b.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"i": i}})
		b.do(t, http.MethodPost, fmt.Sprintf("/api/tasks/%d/cancel", task.ID), nil)
	}
	kept := b.enqueue(t, map[string]any{"name": "echo"})

	r := b.do(t, http.MethodDelete, "/api/tasks?status=cancelled", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.JSONEq(t, `{"deleted":3}`, string(r.body))
	list := decode[listBody](t, b.do(t, http.MethodGet, "/api/tasks", nil))
	require.Len(t, list.Tasks, 1)
	require.Equal(t, kept.ID, list.Tasks[0].ID)

	requireFieldError(t, b.do(t, http.MethodDelete, "/api/tasks?status=pending", nil), "status")
	requireFieldError(t, b.do(t, http.MethodDelete, "/api/tasks", nil), "status")
}

func TestTaskTypesListsRegisteredNames(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := decode[map[string][]string](t, b.do(t, http.MethodGet, "/api/task-types", nil))
	require.Equal(t, b.q.Registry().Names(), body["task_types"])
	require.Contains(t, body["task_types"], "scan_library")
}

func TestWorkersShowsRecentHeartbeats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	empty := b.do(t, http.MethodGet, "/api/workers", nil)
	require.JSONEq(t, `{"workers":[],"slots":0,"busy":0}`, string(empty.body))

	require.NoError(t, b.q.ReportWorker(b.ctx, queue.WorkerInfo{ID: "w1", Hostname: "h", Slots: 4, Busy: 1, StartedAt: time.Now()}))
	require.NoError(t, b.q.ReportWorker(b.ctx, queue.WorkerInfo{ID: "w2", Hostname: "h", Slots: 2, Busy: 2, StartedAt: time.Now()}))
	body := decode[struct {
		Workers []queue.WorkerInfo `json:"workers"`
		Slots   int                `json:"slots"`
		Busy    int                `json:"busy"`
	}](t, b.do(t, http.MethodGet, "/api/workers", nil))
	require.Len(t, body.Workers, 2)
	require.Equal(t, 6, body.Slots)
	require.Equal(t, 3, body.Busy)
}

func TestStatsCountsByStatusAndName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"i": 1}})
	b.enqueue(t, map[string]any{"name": "echo", "args": map[string]any{"i": 2}})
	b.enqueue(t, map[string]any{"name": "sleep"})
	b.claim(t)
	body := decode[struct {
		Total    int                       `json:"total"`
		ByStatus map[string]int            `json:"by_status"`
		ByName   map[string]map[string]int `json:"by_name"`
	}](t, b.do(t, http.MethodGet, "/api/stats", nil))
	require.Equal(t, 3, body.Total)
	require.Equal(t, 2, body.ByStatus["pending"])
	require.Equal(t, 1, body.ByStatus["running"])
	require.Equal(t, 0, body.ByStatus["failed"])
	require.Equal(t, 2, body.ByName["echo"]["pending"]+body.ByName["echo"]["running"])
	require.Equal(t, 1, body.ByName["sleep"]["pending"]+body.ByName["sleep"]["running"])
}
