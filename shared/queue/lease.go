package queue

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// RenewLeases extends the leases of every task worker holds. Workers call it
// well within the lease timeout; a worker that stops calling it (killed,
// frozen, cut off) loses its tasks to RescueExpired.
func (q *Queue) RenewLeases(ctx context.Context, worker string) (int, error) {
	var n int64
	err := q.writeAuto(ctx, func(db *gorm.DB) error {
		res, err := q.exec(ctx, db, `UPDATE tasks SET lease_expires_at = ? WHERE worker = ? AND status = 'running'`,
			micros(q.now().Add(q.opts.LeaseTimeout)), worker)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("renewing leases of %s: %w", worker, err)
	}
	return int(n), nil
}

// RescueExpired returns tasks whose lease expired to pending (counting the
// attempt, with backoff) or fails them when their attempts are used up. Any
// process may call it: it touches only tasks nobody renewed in time, never
// those of live workers. It returns how many tasks it rescued.
func (q *Queue) RescueExpired(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := q.write(ctx, func(tx *gorm.DB) error {
			now := q.now()
			args := append(q.failArgs(false, micros(now)), micros(now))
			fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET `+failSet+`,
					error = 'lease expired: worker ' || COALESCE(worker, '?') || ' stopped renewing'
				WHERE id IN (SELECT id FROM tasks WHERE status = 'running' AND lease_expires_at < ? LIMIT 500)`,
				args...)
			if err != nil {
				return err
			}
			n = len(fs)
			return q.afterStatus(ctx, tx, fs...)
		})
		if err != nil {
			return total, fmt.Errorf("rescuing expired leases: %w", err)
		}
		total += n
		if n < 500 {
			return total, nil
		}
	}
}

// CancelRequested lists the tasks held by worker that were asked to stop.
func (q *Queue) CancelRequested(ctx context.Context, worker string) ([]int64, error) {
	rows, err := q.query(ctx, q.db.WithContext(ctx),
		`SELECT id FROM tasks WHERE worker = ? AND status = 'running' AND cancel_requested = 1`, worker)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
