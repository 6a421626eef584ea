package queue

import (
	"database/sql"
	"encoding/json"
	"time"
)

// taskColumns is the column list every task query selects, in scanTask order.
const taskColumns = `id, name, args, status, priority, attempts, max_attempts, parent_id,
	progress, children_total, children_completed, children_failed, run_after, created_at,
	started_at, finished_at, worker, error, result, dedup_key, lease_expires_at, continuation`

type rowScanner interface{ Scan(dest ...any) error }

func scanTask(r rowScanner) (Task, error) {
	var (
		t                                 Task
		args                              string
		status                            string
		parent                            sql.NullInt64
		runAfter, created                 int64
		started, finished, lease          sql.NullInt64
		worker, errMsg, result, dedup, co sql.NullString
	)
	err := r.Scan(&t.ID, &t.Name, &args, &status, &t.Priority, &t.Attempts, &t.MaxAttempts, &parent,
		&t.Progress, &t.Children.Total, &t.Children.Completed, &t.Children.Failed, &runAfter, &created,
		&started, &finished, &worker, &errMsg, &result, &dedup, &lease, &co)
	if err != nil {
		return t, err
	}
	t.Args = json.RawMessage(args)
	t.Status = Status(status)
	if parent.Valid {
		p := parent.Int64
		t.ParentID = &p
	}
	t.RunAfter = fromMicros(runAfter)
	t.CreatedAt = fromMicros(created)
	t.StartedAt = optTime(started)
	t.FinishedAt = optTime(finished)
	t.LeaseExpiresAt = optTime(lease)
	t.Worker = worker.String
	t.Error = errMsg.String
	if result.Valid && result.String != "" {
		t.Result = json.RawMessage(result.String)
	}
	t.DedupKey = dedup.String
	t.Continuation = co.String
	return t, nil
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func scanTasks(rows *sql.Rows) ([]Task, error) {
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
