package queue

import "context"

// ForeignKeysChecked reports whether the process's SQLite write connection
// checks foreign keys (true on PostgreSQL, which always does).
func ForeignKeysChecked(ctx context.Context, q *Queue) (bool, error) {
	if q.w == nil {
		return true, nil
	}
	if _, err := q.w.session(ctx); err != nil {
		return false, err
	}
	var on bool
	err := q.w.conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on)
	return on, err
}
