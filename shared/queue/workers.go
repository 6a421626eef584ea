package queue

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// WorkerInfo is a worker process's heartbeat row, for health pages and
// metrics: which replicas are alive and how busy they are.
type WorkerInfo struct {
	ID        string    `json:"id"`
	Hostname  string    `json:"hostname"`
	Slots     int       `json:"slots"`
	Busy      int       `json:"busy"`
	StartedAt time.Time `json:"started_at"`
	SeenAt    time.Time `json:"seen_at"`
}

// ReportWorker records a worker's heartbeat.
func (q *Queue) ReportWorker(ctx context.Context, w WorkerInfo) error {
	return q.writeAuto(ctx, func(db *gorm.DB) error {
		_, err := q.exec(ctx, db, `INSERT INTO workers (id, hostname, slots, busy, started_at, seen_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET slots = excluded.slots, busy = excluded.busy, seen_at = excluded.seen_at`,
			w.ID, w.Hostname, w.Slots, w.Busy, micros(w.StartedAt), micros(q.now()))
		return err
	})
}

// ForgetWorker removes a worker's row when it stops cleanly, and rows of
// workers silent for longer than stale.
func (q *Queue) ForgetWorker(ctx context.Context, id string, stale time.Duration) error {
	return q.writeAuto(ctx, func(db *gorm.DB) error {
		_, err := q.exec(ctx, db, `DELETE FROM workers WHERE id = ? OR seen_at < ?`, id, micros(q.now().Add(-stale)))
		return err
	})
}

// Workers lists the workers seen since the given time.
func (q *Queue) Workers(ctx context.Context, since time.Time) ([]WorkerInfo, error) {
	rows, err := q.query(ctx, q.db.WithContext(ctx), `SELECT id, hostname, slots, busy, started_at, seen_at
		FROM workers WHERE seen_at >= ? ORDER BY id`, micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WorkerInfo
	for rows.Next() {
		var w WorkerInfo
		var started, seen int64
		if err := rows.Scan(&w.ID, &w.Hostname, &w.Slots, &w.Busy, &started, &seen); err != nil {
			return nil, err
		}
		w.StartedAt, w.SeenAt = fromMicros(started), fromMicros(seen)
		out = append(out, w)
	}
	return out, rows.Err()
}
