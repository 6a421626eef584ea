package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/shelfhq/shelf/shared/store"
)

// Commits returns a channel that receives a value (coalesced) soon after
// any connection, in any process, commits to the database. Idle pollers
// wait on it instead of polling the tasks table.
//
// On SQLite it reads PRAGMA data_version on one dedicated connection every
// interval: the value changes when another connection commits, and reading
// it touches only the WAL index in shared memory, not the disk, so a fast
// poll costs next to nothing while it gives millisecond pickup across
// processes. The channel closes when ctx ends.
func (q *Queue) Commits(ctx context.Context, interval time.Duration) (<-chan struct{}, error) {
	if q.dialect != store.SQLite {
		return nil, fmt.Errorf("commit notifications: %s is not supported yet", q.dialect)
	}
	if interval <= 0 {
		interval = 2 * time.Millisecond
	}
	sqlDB, err := q.db.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("commit notifications: %w", err)
	}
	stmt, err := conn.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("commit notifications: %w", err)
	}
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		defer conn.Close()
		defer stmt.Close()
		var last int64 = -1
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			var v int64
			if err := stmt.QueryRowContext(ctx).Scan(&v); err != nil {
				continue // the fallback poll of the caller covers a hiccup
			}
			if v != last {
				last = v
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out, nil
}
