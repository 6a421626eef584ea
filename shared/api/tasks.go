package api

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/queue"
)

// Bounds on what a client may ask of the queue. They keep values inside what both databases
// store (PostgreSQL's INTEGER is 32-bit) and out of the absurd.
const (
	maxPriority    = 1_000_000
	maxMaxAttempts = 1000
	maxDedupKey    = 200
	maxDelay       = 10 * 365 * 24 * time.Hour
	maxListLimit   = 1000
	defaultLimit   = 50
)

// CreateTaskRequest is the body of POST /api/tasks.
type CreateTaskRequest struct {
	Name        string          `json:"name"`
	Args        json.RawMessage `json:"args"`
	Priority    int             `json:"priority"`
	RunAfter    string          `json:"run_after"`
	Delay       string          `json:"delay"`
	MaxAttempts int             `json:"max_attempts"`
	DedupKey    string          `json:"dedup_key"`
}

// Enqueued answers POST /api/tasks: 201 for a new task, 200 when a pending task with
// the same dedup key absorbed the request.
type Enqueued struct {
	Task         queue.Task `json:"task"`
	Deduplicated bool       `json:"deduplicated"`
}

func (s *server) createTask(c *fiber.Ctx) error {
	var req CreateTaskRequest
	if err := decodeBody(c.Body(), &req); err != nil {
		return err
	}
	p, err := req.params()
	if err != nil {
		return err
	}
	res, err := s.q.Enqueue(c.UserContext(), p)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if res.Deduplicated {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(Enqueued{Task: res.Task, Deduplicated: res.Deduplicated})
}

// params validates the request; the queue checks the name and the args.
func (r CreateTaskRequest) params() (queue.Params, error) {
	p := queue.Params{Name: r.Name, Args: r.Args, Priority: r.Priority, MaxAttempts: r.MaxAttempts, DedupKey: r.DedupKey}
	if strings.TrimSpace(r.Name) == "" {
		return p, invalidField("name", "is required: one of GET /api/task-types")
	}
	if err := checkPriority(r.Priority); err != nil {
		return p, err
	}
	if r.MaxAttempts < 0 || r.MaxAttempts > maxMaxAttempts {
		return p, invalidField("max_attempts", "must be from 1 to %d, or 0 for the task type's default", maxMaxAttempts)
	}
	if len(r.DedupKey) > maxDedupKey || strings.ContainsFunc(r.DedupKey, unicode.IsControl) {
		return p, invalidField("dedup_key", "must be at most %d bytes without control characters", maxDedupKey)
	}
	var err error
	if p.RunAfter, err = parseRunAfter(r.RunAfter); err != nil {
		return p, err
	}
	if r.Delay != "" {
		p.Delay, err = time.ParseDuration(r.Delay)
		if err != nil || p.Delay < 0 || p.Delay > maxDelay {
			return p, invalidField("delay", "must be a Go duration from 0 to 87600h such as \"90s\", got %q", r.Delay)
		}
	}
	return p, nil
}

func checkPriority(p int) error {
	if p < -maxPriority || p > maxPriority {
		return invalidField("priority", "must be from %d to %d (lower runs first)", -maxPriority, maxPriority)
	}
	return nil
}

// parseRunAfter parses an RFC 3339 time; "" is the zero time (now).
func parseRunAfter(raw string) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, invalidField("run_after", "must be an RFC 3339 time such as \"2030-01-02T15:04:05Z\", got %q", raw)
	}
	return t, nil
}

// TaskList is a page of tasks, newest first; NextCursor (null on the last page) asks for the next.
type TaskList struct {
	Tasks      []queue.Task `json:"tasks"`
	NextCursor *int64       `json:"next_cursor"`
}

func (s *server) listTasks(c *fiber.Ctx) error {
	f, err := taskFilter(c)
	if err != nil {
		return err
	}
	tasks, next, err := s.q.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	if tasks == nil {
		tasks = []queue.Task{}
	}
	return c.JSON(TaskList{Tasks: tasks, NextCursor: cursorJSON(next)})
}

func taskFilter(c *fiber.Ctx) (queue.Filter, error) {
	f := queue.Filter{Status: queue.Status(c.Query("status")), Name: c.Query("name")}
	// No task name holds a NUL or invalid UTF-8, and PostgreSQL refuses to compare with one.
	if strings.ContainsRune(f.Name, 0) || !utf8.ValidString(f.Name) {
		return f, invalidField("name", "must be a task name (valid UTF-8 without NUL)")
	}
	if f.Status != "" && !f.Status.Valid() {
		return f, invalidField("status", "must be one of %s, got %q", strings.Join(statusNames(), ", "), f.Status)
	}
	if raw := c.Query("parent_id"); raw != "" {
		id, err := parseID("parent_id", raw)
		if err != nil {
			return f, err
		}
		f.ParentID = &id
	}
	var err error
	if f.Limit, err = queryLimit(c, defaultLimit, maxListLimit); err != nil {
		return f, err
	}
	f.Cursor, err = queryCursor(c)
	return f, err
}

// TaskResponse is one task; GET adds how its children stand.
type TaskResponse struct {
	Task            queue.Task     `json:"task"`
	ChildrenSummary map[string]int `json:"children_summary,omitempty"`
}

func (s *server) getTask(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.q.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	counts, err := s.q.ChildStatusCounts(c.UserContext(), id)
	if err != nil {
		return err
	}
	summary := zeroCounts()
	for st, n := range counts {
		summary[string(st)] = n
	}
	return c.JSON(TaskResponse{Task: t, ChildrenSummary: summary})
}

func (s *server) cancelTask(c *fiber.Ctx) error {
	return s.changeTask(c, s.q.Cancel)
}

func (s *server) retryTask(c *fiber.Ctx) error {
	return s.changeTask(c, s.q.Retry)
}

// changeTask runs a queue operation on the task named by :id and answers with the result.
func (s *server) changeTask(c *fiber.Ctx, op func(context.Context, int64) (queue.Task, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := op(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(TaskResponse{Task: t})
}
