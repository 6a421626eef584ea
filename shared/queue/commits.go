package queue

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/shelfhq/shelf/shared/store"
)

// Commits returns a channel that receives a value (coalesced) soon after
// any connection, in any process, commits to the database. Idle pollers
// wait on it instead of polling the tasks table. The channel closes when
// ctx ends.
//
// On PostgreSQL it LISTENs (store.Listen) to the channel the tasks table's
// trigger notifies, and signals once more after each reconnection. On SQLite every commit appends to the -wal file, so an inotify watch on
// the database's folder hears commits of every process on the host (also
// across containers sharing the volume: same kernel) at no cost while
// idle. PRAGMA data_version, which changes when another connection commits,
// is polled as a safety net: every second with inotify, every interval
// without it.
func (q *Queue) Commits(ctx context.Context, interval time.Duration) (<-chan struct{}, error) {
	if q.dialect == store.Postgres {
		return store.Listen(ctx, q.db, "shelf_tasks")
	}
	return q.sqliteCommits(ctx, interval)
}

// sqliteCommits watches the -wal file of the database (inotify), with PRAGMA
// data_version polled as the safety net.
func (q *Queue) sqliteCommits(ctx context.Context, interval time.Duration) (<-chan struct{}, error) {
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
	path, err := store.SQLiteFile(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("commit notifications: %w", err)
	}
	var events <-chan fsnotify.Event
	watcher, err := fsnotify.NewWatcher()
	if err == nil && path != "" {
		if err = watcher.Add(filepath.Dir(path)); err == nil {
			events = watcher.Events
			interval = time.Second
		}
	}
	out, notify := store.NewWakeup()
	go func() {
		defer close(out)
		defer conn.Close()
		if watcher != nil {
			defer watcher.Close()
		}
		version := dataVersion(ctx, conn)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		wal := path + "-wal"
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					events, ticker = nil, resetTicker(ticker, 2*time.Millisecond)
					continue
				}
				if ev.Name == wal && ev.Op&(fsnotify.Write|fsnotify.Create) != 0 {
					notify()
				}
			case <-ticker.C:
				if v := dataVersion(ctx, conn); v != version {
					version = v
					notify()
				}
			}
		}
	}()
	return out, nil
}

func dataVersion(ctx context.Context, conn *sql.Conn) int64 {
	var v int64
	_ = conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v
}

func resetTicker(t *time.Ticker, d time.Duration) *time.Ticker {
	t.Stop()
	return time.NewTicker(d)
}
