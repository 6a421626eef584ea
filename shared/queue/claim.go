package queue

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// Claim atomically takes up to n due tasks for worker, highest priority
// (lowest value) first, then oldest run_after, then id. One statement does
// it, so no task ever goes to two workers: SQLite's single writer lock is
// the mutual exclusion; PostgreSQL skips rows other claimers have locked.
// Each claimed task counts an attempt and holds a lease until renewed.
func (q *Queue) Claim(ctx context.Context, worker string, n int) ([]Task, error) {
	if n <= 0 {
		return nil, nil
	}
	now := q.now()
	lock := ""
	if q.dialect == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var tasks []Task
	err := q.writeAuto(ctx, func(db *gorm.DB) error {
		rows, err := q.query(ctx, db, `UPDATE tasks SET status = 'running', worker = ?, attempts = attempts + 1,
				started_at = ?, lease_expires_at = ?, cancel_requested = 0
			WHERE id IN (SELECT id FROM tasks WHERE status = 'pending' AND run_after <= ?
				ORDER BY priority, run_after, id LIMIT ?`+lock+`)
			RETURNING `+taskColumns,
			worker, micros(now), micros(now.Add(q.opts.LeaseTimeout)), micros(now), n)
		if err != nil {
			return err
		}
		tasks, err = scanTasks(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claiming tasks for %s: %w", worker, err)
	}
	// RETURNING gives no order; hand tasks out in claim order.
	sort.Slice(tasks, func(i, j int) bool {
		a, b := tasks[i], tasks[j]
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		if !a.RunAfter.Equal(b.RunAfter) {
			return a.RunAfter.Before(b.RunAfter)
		}
		return a.ID < b.ID
	})
	return tasks, nil
}
