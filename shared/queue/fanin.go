package queue

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"gorm.io/gorm"
)

// afterStatus does what status changes imply, in the same transaction: a
// finished child counts towards its parent, a parent whose children are all
// done completes and enqueues its continuation, a cancelled task's children
// are cancelled, and a periodic task schedules its next period.
//
// It takes every change of one transaction at once, so a batch of finished
// children costs one update per parent, not one per child: a worker that
// completes hundreds of a fan-out's children in one commit counts them on the
// parent with one statement.
func (q *Queue) afterStatus(ctx context.Context, tx *gorm.DB, fs ...finished) error {
	for len(fs) > 0 {
		counts := map[int64]*childCounts{}
		for _, f := range fs {
			if !f.status.Finished() {
				continue
			}
			if err := q.followUps(ctx, tx, f); err != nil {
				return err
			}
			if !f.parentID.Valid {
				continue
			}
			c := counts[f.parentID.Int64]
			if c == nil {
				c = &childCounts{}
				counts[f.parentID.Int64] = c
			}
			if f.status == StatusCompleted {
				c.completed++
			} else {
				c.failed++
			}
		}
		// Parents in id order: two PostgreSQL transactions counting children
		// of the same parents lock them in the same order, never a deadlock.
		parents := make([]int64, 0, len(counts))
		for id := range counts {
			parents = append(parents, id)
		}
		sort.Slice(parents, func(i, j int) bool { return parents[i] < parents[j] })
		fs = fs[:0:0]
		for _, id := range parents {
			p, completedNow, err := q.countChildren(ctx, tx, id, *counts[id])
			if err != nil {
				return err
			}
			if completedNow {
				fs = append(fs, p) // its own follow-ups, and its parent's count, next round
			}
		}
	}
	return nil
}

// followUps are the effects of one task's final status on itself and its
// descendants (the parent's count is done by afterStatus, per parent).
func (q *Queue) followUps(ctx context.Context, tx *gorm.DB, f finished) error {
	if f.status == StatusCancelled {
		if err := q.cancelChildren(ctx, tx, f.id); err != nil {
			return err
		}
	}
	def, _ := q.registry.Lookup(f.name)
	if !f.continuation.Valid && def.Continuation != "" {
		f.continuation = sql.NullString{String: def.Continuation, Valid: true}
	}
	if f.status == StatusCompleted && f.continuation.Valid {
		if err := q.enqueueContinuation(ctx, tx, f); err != nil {
			return err
		}
	}
	if def.Every != nil && !f.parentID.Valid {
		return q.scheduleNext(ctx, tx, def)
	}
	return nil
}

type childCounts struct{ completed, failed int }

// countChildren adds finished children to a parent's counters. The update
// that brings the count to the total, while the parent is waiting, completes
// the parent: exactly one transaction can do that (the row is locked until
// commit), so the continuation runs once. It reports whether this update
// completed the parent.
func (q *Queue) countChildren(ctx context.Context, tx *gorm.DB, parentID int64, c childCounts) (finished, bool, error) {
	k := c.completed + c.failed
	fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET
			children_completed = children_completed + ?,
			children_failed = children_failed + ?,
			progress = CASE WHEN children_total = 0 THEN progress
				WHEN children_completed + children_failed + ? >= children_total THEN 100
				ELSE 100.0 * (children_completed + children_failed + ?) / children_total END,
			status = CASE WHEN status = 'waiting_for_children'
				AND children_completed + children_failed + ? >= children_total THEN 'completed' ELSE status END,
			finished_at = CASE WHEN status = 'waiting_for_children'
				AND children_completed + children_failed + ? >= children_total THEN ? ELSE finished_at END
		WHERE id = ?`, c.completed, c.failed, k, k, k, k, micros(q.now()), parentID)
	if err != nil {
		return finished{}, false, fmt.Errorf("counting %d children of task %d: %w", k, parentID, err)
	}
	if len(fs) == 0 {
		return finished{}, false, nil // parent deleted
	}
	p := fs[0]
	done := p.children.Done()
	return p, p.status == StatusCompleted && done >= p.children.Total && done-k < p.children.Total, nil
}
