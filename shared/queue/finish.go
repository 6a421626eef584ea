package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Ref identifies one claim of a task: a worker may only finish a task while
// it still holds it (same worker, same attempt, still running).
type Ref struct {
	ID       int64
	Name     string
	Worker   string
	Attempts int
}

// RefOf returns the claim reference of a claimed task.
func RefOf(t Task) Ref { return Ref{ID: t.ID, Name: t.Name, Worker: t.Worker, Attempts: t.Attempts} }

const heldBy = ` AND status = 'running' AND worker = ? AND attempts = ?`

func (r Ref) guard() []any { return []any{r.Worker, r.Attempts} }

// Outcome is how a claimed task ended.
type Outcome struct {
	Ref    Ref
	Result []byte // on success
	Err    error  // nil on success
	// Cancelled says the handler stopped because the task was cancelled.
	Cancelled bool
	// Released says the worker is shutting down: the task goes back to
	// pending without counting the attempt.
	Released bool
}

// Finish records outcomes, many in one write transaction (how a worker keeps
// up with thousands of short tasks per second). It returns, per outcome,
// ErrLeaseLost when the task was no longer held (its lease had expired and
// another process rescued it), so nothing was recorded for it.
func (q *Queue) Finish(ctx context.Context, outcomes []Outcome) ([]error, error) {
	errs := make([]error, len(outcomes))
	err := q.write(ctx, func(tx *gorm.DB) error {
		var done []int         // successes, recorded together below
		var changed []finished // every status change, followed up together at the end
		for i, o := range outcomes {
			var f []finished
			var err error
			switch {
			case o.Released:
				err = q.release(ctx, tx, o.Ref)
			case o.Cancelled:
				f, err = q.cancelHeld(ctx, tx, o.Ref)
			case o.Err != nil:
				f, err = q.failHeld(ctx, tx, o.Ref, o.Err)
			default:
				done = append(done, i)
				continue
			}
			if err != nil && !errors.Is(err, ErrLeaseLost) {
				return err
			}
			errs[i] = err
			changed = append(changed, f...)
		}
		for start := 0; start < len(done); start += 1000 {
			f, err := q.completeHeld(ctx, tx, outcomes, done[start:min(start+1000, len(done))], errs)
			if err != nil {
				return err
			}
			changed = append(changed, f...)
		}
		return q.afterStatus(ctx, tx, changed...)
	})
	if err != nil {
		return nil, fmt.Errorf("finishing %d tasks: %w", len(outcomes), err)
	}
	return errs, nil
}

// finished describes a task that has just changed status, for the follow-ups
// that must happen in the same transaction.
type finished struct {
	id           int64
	status       Status
	parentID     sql.NullInt64
	continuation sql.NullString
	name         string
	args         string
	children     Children
}

const finishedColumns = `id, status, parent_id, continuation, name, args, children_total, children_completed, children_failed`

func scanFinished(rows *sql.Rows) ([]finished, error) {
	defer rows.Close()
	var out []finished
	for rows.Next() {
		var f finished
		var status string
		if err := rows.Scan(&f.id, &status, &f.parentID, &f.continuation, &f.name, &f.args,
			&f.children.Total, &f.children.Completed, &f.children.Failed); err != nil {
			return nil, err
		}
		f.status = Status(status)
		out = append(out, f)
	}
	return out, rows.Err()
}

func (q *Queue) updateFinished(ctx context.Context, tx *gorm.DB, query string, args ...any) ([]finished, error) {
	rows, err := q.query(ctx, tx, query+` RETURNING `+finishedColumns, args...)
	if err != nil {
		return nil, err
	}
	return scanFinished(rows)
}

// completeHeld records the successes outcomes[idx...] with one statement
// (a worker under load finishes hundreds of tasks per commit) and returns
// the changed rows. It sets errs[i] to ErrLeaseLost for tasks no longer held.
func (q *Queue) completeHeld(ctx context.Context, tx *gorm.DB, outcomes []Outcome, idx []int, errs []error) ([]finished, error) {
	rows := make([][]any, len(idx))
	for n, i := range idx {
		o := outcomes[i]
		var result any
		if len(o.Result) > 0 {
			result = string(o.Result)
		}
		rows[n] = []any{o.Ref.ID, o.Ref.Worker, o.Ref.Attempts, result}
	}
	held, err := encodeRows(rows)
	if err != nil {
		return nil, err
	}
	// One row per task, joined on the primary key: each task is found by id
	// and gets its own result, whatever the batch's size. A task whose
	// children are still running waits for them; one whose children all
	// finished before its handler returned completes now.
	fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET
			status = CASE WHEN children_completed + children_failed < children_total THEN 'waiting_for_children' ELSE 'completed' END,
			finished_at = CASE WHEN children_completed + children_failed < children_total THEN NULL ELSE CAST(? AS BIGINT) END,
			progress = CASE WHEN children_completed + children_failed < children_total THEN progress ELSE 100 END,
			result = v.c4, lease_expires_at = NULL
		FROM `+q.jsonRows("BIGINT", "TEXT", "INTEGER", "TEXT")+`
		WHERE tasks.id = v.c1 AND tasks.worker = v.c2 AND tasks.attempts = v.c3 AND tasks.status = 'running'`,
		micros(q.now()), held)
	if err != nil {
		return nil, err
	}
	recorded := make(map[int64]bool, len(fs))
	for _, f := range fs {
		recorded[f.id] = true
	}
	for _, i := range idx {
		if !recorded[outcomes[i].Ref.ID] {
			errs[i] = ErrLeaseLost
		}
	}
	return fs, nil
}

// failSet is the SET clause shared by a handler's failure and a rescue: back
// to pending with a backoff, failed when attempts are used up or the error
// is permanent, cancelled when a cancel was requested meanwhile. A pending
// duplicate that arrived while the task ran keeps the dedup key.
const failSet = `
	status = CASE WHEN cancel_requested = 1 THEN 'cancelled'
		WHEN ? OR attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
	finished_at = CASE WHEN cancel_requested = 1 OR ? OR attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END,
	run_after = CASE WHEN cancel_requested = 1 OR ? OR attempts >= max_attempts THEN run_after ELSE ? END,
	dedup_key = ` + dedupKeyUnlessTaken + `,
	lease_expires_at = NULL`

// dedupKeyUnlessTaken is the dedup_key a task returning to pending keeps:
// its own, unless a pending duplicate that arrived while it ran holds that
// key now (the unique index allows one pending task per key), and then none.
const dedupKeyUnlessTaken = `CASE WHEN dedup_key IS NOT NULL AND EXISTS (SELECT 1 FROM tasks d
		WHERE d.dedup_key = tasks.dedup_key AND d.status = 'pending') THEN NULL ELSE dedup_key END`

func (q *Queue) failArgs(permanent bool, retryAt int64) []any {
	now := micros(q.now())
	return []any{permanent, permanent, now, permanent, retryAt}
}

func (q *Queue) failHeld(ctx context.Context, tx *gorm.DB, r Ref, cause error) ([]finished, error) {
	retryAt := micros(q.now().Add(q.opts.Backoff(r.Attempts)))
	args := append(q.failArgs(IsPermanent(cause), retryAt), truncate(cause.Error(), 4000), r.ID)
	fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET `+failSet+`, error = ? WHERE id = ?`+heldBy,
		append(args, r.guard()...)...)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, ErrLeaseLost
	}
	return fs, nil
}

func (q *Queue) cancelHeld(ctx context.Context, tx *gorm.DB, r Ref) ([]finished, error) {
	fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET status = 'cancelled', finished_at = ?,
			lease_expires_at = NULL, error = COALESCE(error, 'cancelled')
		WHERE id = ?`+heldBy, append([]any{micros(q.now()), r.ID}, r.guard()...)...)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, ErrLeaseLost
	}
	return fs, nil
}

// release puts a task back to pending without counting the attempt: the
// worker is stopping, the task did nothing wrong.
func (q *Queue) release(ctx context.Context, tx *gorm.DB, r Ref) error {
	res, err := q.exec(ctx, tx, `UPDATE tasks SET status = 'pending', attempts = attempts - 1,
			started_at = NULL, lease_expires_at = NULL,
			dedup_key = `+dedupKeyUnlessTaken+`
		WHERE id = ?`+heldBy, append([]any{r.ID}, r.guard()...)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// ContinuationArgs are the args of a continuation task.
type ContinuationArgs struct {
	ParentID   int64           `json:"parent_id"`
	ParentName string          `json:"parent_name"`
	ParentArgs json.RawMessage `json:"parent_args"`
	Children   Children        `json:"children"`
}

func (q *Queue) enqueueContinuation(ctx context.Context, tx *gorm.DB, f finished) error {
	args, err := json.Marshal(ContinuationArgs{ParentID: f.id, ParentName: f.name,
		ParentArgs: json.RawMessage(f.args), Children: f.children})
	if err != nil {
		return err
	}
	row, err := q.prepare(Params{Name: f.continuation.String, Args: args, NoDedup: true,
		UniqueKey: fmt.Sprintf("continuation:%d", f.id)}, nil)
	if err != nil {
		return fmt.Errorf("continuation of task %d: %w", f.id, err)
	}
	_, err = q.insertOrFind(ctx, tx, row)
	return err
}

// cancelChildren cancels a cancelled parent's unfinished descendants: pending
// and waiting ones at once, running ones by asking their workers.
func (q *Queue) cancelChildren(ctx context.Context, tx *gorm.DB, parentID int64) error {
	now := micros(q.now())
	fs, err := q.updateFinished(ctx, tx, `UPDATE tasks SET status = 'cancelled', finished_at = ?
		WHERE parent_id = ? AND status IN ('pending', 'waiting_for_children')`, now, parentID)
	if err != nil {
		return fmt.Errorf("cancelling children of task %d: %w", parentID, err)
	}
	if _, err := q.exec(ctx, tx, `UPDATE tasks SET cancel_requested = 1 WHERE parent_id = ? AND status = 'running'`,
		parentID); err != nil {
		return err
	}
	if len(fs) > 0 {
		if _, err := q.exec(ctx, tx, `UPDATE tasks SET children_failed = children_failed + ? WHERE id = ?`,
			len(fs), parentID); err != nil {
			return err
		}
	}
	for _, f := range fs {
		if f.children.Total > 0 {
			if err := q.cancelChildren(ctx, tx, f.id); err != nil {
				return err
			}
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
