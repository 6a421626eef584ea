package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Cancel stops a task: a pending or waiting one is cancelled at once (with
// its unfinished children); a running one is asked to stop, its handler's
// context is cancelled by its worker and it ends as cancelled. A finished
// task can't be cancelled (ErrInvalidState).
func (q *Queue) Cancel(ctx context.Context, id int64) (Task, error) {
	err := q.write(ctx, func(tx *gorm.DB) error {
		t, err := q.get(ctx, tx, id)
		if err != nil {
			return err
		}
		switch t.Status {
		case StatusRunning:
			_, err := q.exec(ctx, tx, `UPDATE tasks SET cancel_requested = 1 WHERE id = ?`, id)
			return err
		case StatusPending, StatusWaitingForChildren:
			fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET status = 'cancelled', finished_at = ?,
				error = COALESCE(error, 'cancelled') WHERE id = ? AND status = ?`, micros(q.now()), id, t.Status)
			if err != nil {
				return err
			}
			return q.afterStatus(ctx, tx, fs...)
		default:
			return fmt.Errorf("%w: task %d is %s", ErrInvalidState, id, t.Status)
		}
	})
	if err != nil {
		return Task{}, err
	}
	return q.Get(ctx, id)
}

// Retry runs a failed or cancelled task again, with its attempts reset.
func (q *Queue) Retry(ctx context.Context, id int64) (Task, error) {
	err := q.write(ctx, func(tx *gorm.DB) error {
		t, err := q.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Status != StatusFailed && t.Status != StatusCancelled {
			return fmt.Errorf("%w: only failed or cancelled tasks can be retried; task %d is %s",
				ErrInvalidState, id, t.Status)
		}
		if _, err := q.exec(ctx, tx, `UPDATE tasks SET status = 'pending', attempts = 0, run_after = ?,
				started_at = NULL, finished_at = NULL, lease_expires_at = NULL, cancel_requested = 0,
				dedup_key = `+dedupKeyUnlessTaken+`
			WHERE id = ?`, micros(q.now()), id); err != nil {
			return err
		}
		if t.ParentID != nil {
			// A waiting parent counts the child again when it finishes.
			_, err = q.exec(ctx, tx, `UPDATE tasks SET children_failed = children_failed - 1
				WHERE id = ? AND status = 'waiting_for_children' AND children_failed > 0`, *t.ParentID)
		}
		return err
	})
	if err != nil {
		return Task{}, err
	}
	return q.Get(ctx, id)
}

// Reschedule moves a pending task to another time and, if priority is not
// nil, another priority.
func (q *Queue) Reschedule(ctx context.Context, id int64, runAfter time.Time, priority *int) (Task, error) {
	err := q.write(ctx, func(tx *gorm.DB) error {
		t, err := q.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Status != StatusPending {
			return fmt.Errorf("%w: only pending tasks can be rescheduled; task %d is %s", ErrInvalidState, id, t.Status)
		}
		p := t.Priority
		if priority != nil {
			p = *priority
		}
		_, err = q.exec(ctx, tx, `UPDATE tasks SET run_after = ?, priority = ? WHERE id = ? AND status = 'pending'`,
			micros(runAfter), p, id)
		return err
	})
	if err != nil {
		return Task{}, err
	}
	return q.Get(ctx, id)
}

// Remove deletes a pending top-level task, e.g. a scheduled run nobody wants.
func (q *Queue) Remove(ctx context.Context, id int64) error {
	return q.write(ctx, func(tx *gorm.DB) error {
		t, err := q.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Status != StatusPending || t.ParentID != nil {
			return fmt.Errorf("%w: only pending top-level tasks can be removed; task %d is %s", ErrInvalidState, id, t.Status)
		}
		_, err = q.exec(ctx, tx, `DELETE FROM tasks WHERE id = ? AND status = 'pending'`, id)
		return err
	})
}

// Purge deletes finished top-level tasks in status (with their children),
// in batches so other writers get the lock in between. It returns how many
// top-level tasks went.
func (q *Queue) Purge(ctx context.Context, status Status) (int, error) {
	if !status.Finished() {
		return 0, fmt.Errorf("%w: only completed, failed or cancelled tasks can be purged", ErrInvalidState)
	}
	return q.deleteFinished(ctx, `status = ?`, string(status))
}

// Retention says how long finished tasks are kept.
type Retention struct {
	// Completed defaults to 24 hours.
	Completed time.Duration
	// Failed (and cancelled) defaults to 7 days.
	Failed time.Duration
}

// Prune deletes finished top-level tasks older than the retention, with
// their children. Any process may run it.
func (q *Queue) Prune(ctx context.Context, r Retention) (int, error) {
	if r.Completed <= 0 {
		r.Completed = 24 * time.Hour
	}
	if r.Failed <= 0 {
		r.Failed = 7 * 24 * time.Hour
	}
	now := q.now()
	return q.deleteFinished(ctx, `((status = 'completed' AND finished_at < ?) OR
		(status IN ('failed', 'cancelled') AND finished_at < ?))`,
		micros(now.Add(-r.Completed)), micros(now.Add(-r.Failed)))
}

func (q *Queue) deleteFinished(ctx context.Context, where string, args ...any) (int, error) {
	total := 0
	for {
		var ids []int64
		rows, err := q.query(ctx, q.db.WithContext(ctx), `SELECT id FROM tasks WHERE parent_id IS NULL AND `+
			where+` ORDER BY id LIMIT 200`, args...)
		if err != nil {
			return total, fmt.Errorf("deleting finished tasks: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return total, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return total, nil
		}
		for _, id := range ids {
			if err := q.deleteTree(ctx, id); err != nil {
				return total, fmt.Errorf("deleting finished task %d: %w", id, err)
			}
		}
		total += len(ids)
	}
}

// deleteTree deletes a task and its descendants a few thousand rows per
// transaction, so a parent of 100,000 children never holds the write lock
// for long. Grandchildren go with their parent through the foreign key.
func (q *Queue) deleteTree(ctx context.Context, id int64) error {
	for {
		var n int64
		err := q.write(ctx, func(tx *gorm.DB) error {
			res, err := q.exec(ctx, tx, `DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE parent_id = ? LIMIT 5000)`, id)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			if err != nil || n > 0 {
				return err
			}
			_, err = q.exec(ctx, tx, `DELETE FROM tasks WHERE id = ?`, id)
			return err
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

func (q *Queue) get(ctx context.Context, tx *gorm.DB, id int64) (Task, error) {
	t, err := scanTask(q.queryRow(ctx, tx, `SELECT `+taskColumns+` FROM tasks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Task{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return t, err
}
