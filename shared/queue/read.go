package queue

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Get returns one task.
func (q *Queue) Get(ctx context.Context, id int64) (Task, error) {
	return q.get(ctx, q.db.WithContext(ctx), id)
}

// Filter selects tasks for List.
type Filter struct {
	Status Status
	Name   string
	// ParentID lists that task's children; nil lists top-level tasks only.
	ParentID *int64
	// Limit defaults to 50 and is capped at 1000.
	Limit int
	// Cursor continues a listing: only tasks with a smaller id.
	Cursor int64
}

// List returns tasks newest first, and the cursor of the next page (0 when
// there is none).
func (q *Queue) List(ctx context.Context, f Filter) ([]Task, int64, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	var where []string
	var args []any
	if f.ParentID != nil {
		where = append(where, "parent_id = ?")
		args = append(args, *f.ParentID)
	} else {
		where = append(where, "parent_id IS NULL")
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.Name != "" {
		where = append(where, "name = ?")
		args = append(args, f.Name)
	}
	if f.Cursor > 0 {
		where = append(where, "id < ?")
		args = append(args, f.Cursor)
	}
	args = append(args, limit+1)
	rows, err := q.query(ctx, q.db.WithContext(ctx), `SELECT `+taskColumns+` FROM tasks WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("listing tasks: %w", err)
	}
	tasks, err := scanTasks(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("listing tasks: %w", err)
	}
	var next int64
	if len(tasks) > limit {
		tasks = tasks[:limit]
		next = tasks[limit-1].ID
	}
	return tasks, next, nil
}

// ChildStatusCounts counts a task's children by status.
func (q *Queue) ChildStatusCounts(ctx context.Context, id int64) (map[Status]int, error) {
	rows, err := q.query(ctx, q.db.WithContext(ctx),
		`SELECT status, COUNT(*) FROM tasks WHERE parent_id = ? GROUP BY status`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Status]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[Status(s)] = n
	}
	return out, rows.Err()
}

// Depth is the number of tasks of one name in one status.
type Depth struct {
	Name   string
	Status Status
	Count  int
}

// Depths counts all tasks by name and status (queue depth for metrics).
func (q *Queue) Depths(ctx context.Context) ([]Depth, error) {
	rows, err := q.query(ctx, q.db.WithContext(ctx),
		`SELECT name, status, COUNT(*) FROM tasks GROUP BY name, status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Depth
	for rows.Next() {
		var d Depth
		var s string
		if err := rows.Scan(&d.Name, &s, &d.Count); err != nil {
			return nil, err
		}
		d.Status = Status(s)
		out = append(out, d)
	}
	return out, rows.Err()
}

// OldestPendingAge returns, per task name, how long the oldest due pending
// task has been waiting.
func (q *Queue) OldestPendingAge(ctx context.Context) (map[string]time.Duration, error) {
	now := q.now()
	rows, err := q.query(ctx, q.db.WithContext(ctx),
		`SELECT name, MIN(run_after) FROM tasks WHERE status = 'pending' AND run_after <= ? GROUP BY name`, micros(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Duration{}
	for rows.Next() {
		var name string
		var oldest int64
		if err := rows.Scan(&name, &oldest); err != nil {
			return nil, err
		}
		out[name] = now.Sub(fromMicros(oldest))
	}
	return out, rows.Err()
}

// ParentProgress returns, per task name, the mean progress (0–1) of the
// parents still waiting for or running with children.
func (q *Queue) ParentProgress(ctx context.Context) (map[string]float64, error) {
	rows, err := q.query(ctx, q.db.WithContext(ctx), `SELECT name, AVG(progress) FROM tasks
		WHERE status IN ('running', 'waiting_for_children') AND children_total > 0 GROUP BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var name string
		var p float64
		if err := rows.Scan(&name, &p); err != nil {
			return nil, err
		}
		out[name] = p / 100
	}
	return out, rows.Err()
}

// Activity is the queue's depth at one moment and the tasks (children included) that finished
// in a window: what the api samples for the Health page's charts.
type Activity struct {
	Pending, Running, Waiting int
	// Completed and Failed count the tasks that finished with that status in the window; a
	// retried run that failed is not counted, since it went back to pending.
	Completed, Failed int
}

// Activity counts the queue's active tasks now and the tasks that finished in [from, to), by
// their finished_at (the finishing worker's clock). Each count is one index range or one scan.
func (q *Queue) Activity(ctx context.Context, from, to time.Time) (Activity, error) {
	var a Activity
	f, t := micros(from), micros(to)
	err := q.queryRow(ctx, q.db.WithContext(ctx), `SELECT
		(SELECT COUNT(*) FROM tasks WHERE status = 'pending'),
		(SELECT COUNT(*) FROM tasks WHERE status = 'running'),
		(SELECT COUNT(*) FROM tasks WHERE status = 'waiting_for_children'),
		(SELECT COUNT(*) FROM tasks WHERE finished_at >= ? AND finished_at < ? AND status = 'completed'),
		(SELECT COUNT(*) FROM tasks WHERE finished_at >= ? AND finished_at < ? AND status = 'failed')`,
		f, t, f, t).Scan(&a.Pending, &a.Running, &a.Waiting, &a.Completed, &a.Failed)
	if err != nil {
		return Activity{}, fmt.Errorf("reading the queue's activity: %w", err)
	}
	return a, nil
}
