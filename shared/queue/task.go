// Package queue is shelf's durable task queue: one table of tasks in the
// shared database, used by every process (api, worker replicas, watcher).
//
// The database enforces the rules that must hold across processes: a unique
// index deduplicates pending tasks, a single UPDATE … RETURNING claims tasks,
// leases let any process rescue the tasks of a dead worker, and a child's
// completion updates its parent in the same transaction, so the last child
// to finish completes the parent and enqueues its continuation exactly once.
package queue

import (
	"encoding/json"
	"time"
)

// Status is where a task is in its life.
type Status string

const (
	StatusPending            Status = "pending"
	StatusRunning            Status = "running"
	StatusWaitingForChildren Status = "waiting_for_children"
	StatusCompleted          Status = "completed"
	StatusFailed             Status = "failed"
	StatusCancelled          Status = "cancelled"
)

// Statuses lists every status, in life order.
var Statuses = []Status{StatusPending, StatusRunning, StatusWaitingForChildren,
	StatusCompleted, StatusFailed, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Finished reports whether no more work happens for a task in status s.
func (s Status) Finished() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// Children counts a parent's children by outcome. Failed includes
// cancelled children.
type Children struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

// Done is the number of children that reached a final state.
func (c Children) Done() int { return c.Completed + c.Failed }

// Task is one row of the queue.
type Task struct {
	ID             int64           `json:"id"`
	Name           string          `json:"name"`
	Args           json.RawMessage `json:"args"`
	Status         Status          `json:"status"`
	Priority       int             `json:"priority"`
	Attempts       int             `json:"attempts"`
	MaxAttempts    int             `json:"max_attempts"`
	ParentID       *int64          `json:"parent_id"`
	Progress       float64         `json:"progress"`
	Children       Children        `json:"children"`
	RunAfter       time.Time       `json:"run_after"`
	CreatedAt      time.Time       `json:"created_at"`
	StartedAt      *time.Time      `json:"started_at"`
	FinishedAt     *time.Time      `json:"finished_at"`
	Worker         string          `json:"worker"`
	Error          string          `json:"error"`
	Result         json.RawMessage `json:"result"`
	DedupKey       string          `json:"dedup_key,omitempty"`
	LeaseExpiresAt *time.Time      `json:"lease_expires_at,omitempty"`
	Continuation   string          `json:"continuation,omitempty"`
}

// micros converts t to the unix microseconds stored in the database.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
