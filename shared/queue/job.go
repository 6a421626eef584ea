package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Job is what a handler gets: the claimed task and the ways to report back.
type Job struct {
	Task Task
	// Log carries the task's id and name on every line.
	Log    *slog.Logger
	q      *Queue
	worker string

	mu           sync.Mutex
	result       []byte
	lastProgress time.Time
}

// NewJob wraps a task claimed by worker. Workers call it; handlers don't.
func (q *Queue) NewJob(t Task, worker string, log *slog.Logger) *Job {
	return &Job{Task: t, q: q, worker: worker, Log: log.With("task_id", t.ID, "task_name", t.Name)}
}

// Queue returns the queue, for handlers that enqueue follow-up tasks.
func (j *Job) Queue() *Queue { return j.q }

// bind decodes the args into v, rejecting unknown fields. Bad args never fix
// themselves, so the error is permanent. Define and DefineContinuation call it.
func (j *Job) bind(v any) error {
	dec := json.NewDecoder(bytes.NewReader(j.Task.Args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Permanent(fmt.Errorf("%w for %s: %v", ErrInvalidArgs, j.Task.Name, err))
	}
	return nil
}

// SetResult records v (JSON) as the task's result when it completes.
func (j *Job) SetResult(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding result of %s: %w", j.Task.Name, err)
	}
	j.mu.Lock()
	j.result = b
	j.mu.Unlock()
	return nil
}

// ResultJSON is the result set by the handler, if any.
func (j *Job) ResultJSON() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.result
}

// Progress records how far the task is, 0–100. Calls closer than 250ms
// apart are dropped, so a handler may call it in a tight loop.
func (j *Job) Progress(ctx context.Context, percent float64) error {
	j.mu.Lock()
	now := time.Now()
	if now.Sub(j.lastProgress) < 250*time.Millisecond && percent < 100 {
		j.mu.Unlock()
		return nil
	}
	j.lastProgress = now
	j.mu.Unlock()
	percent = min(max(percent, 0), 100)
	return j.q.write(ctx, func(tx *gorm.DB) error {
		_, err := j.q.exec(ctx, tx, `UPDATE tasks SET progress = ? WHERE id = ? AND status = 'running' AND worker = ?`,
			percent, j.Task.ID, j.worker)
		return err
	})
}

// Spawn creates children of this task, committed at once so that any worker
// can start them while this handler goes on. When the handler returns, the
// task waits for its children; the last child to finish completes it and
// enqueues the definition's continuation. Spawn may be called many times.
func (j *Job) Spawn(ctx context.Context, children ...Params) error {
	if len(children) == 0 {
		return nil
	}
	rows := make([]newTask, 0, len(children))
	id := j.Task.ID
	for _, c := range children {
		r, err := j.q.prepare(c, &id)
		if err != nil {
			return fmt.Errorf("spawning children of %s: %w", j.Task.Name, err)
		}
		rows = append(rows, r)
	}
	def, _ := j.q.registry.Lookup(j.Task.Name)
	// The parent counts the children that were created: one whose unique key
	// is taken is skipped. If the UPDATE does not find the parent running
	// under this lease, the transaction rolls the children back, so
	// writeInserts may skip the foreign-key check.
	return j.q.writeInserts(ctx, func(tx *gorm.DB) error {
		created, err := j.q.insertBatch(ctx, tx, rows)
		if err != nil {
			return fmt.Errorf("spawning children of %s: %w", j.Task.Name, err)
		}
		res, err := j.q.exec(ctx, tx, `UPDATE tasks SET children_total = children_total + ?, continuation = ?
			WHERE id = ? AND status = 'running' AND worker = ? AND attempts = ?`,
			created, nullString(def.Continuation), id, j.worker, j.Task.Attempts)
		if err != nil {
			return fmt.Errorf("spawning children of %s: %w", j.Task.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
}
