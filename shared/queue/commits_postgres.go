package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresCommits listens on PostgreSQL's shelf_tasks channel (a trigger
// notifies it when tasks are inserted or change status), with a poll as a
// fallback while the listening connection is down.
func postgresCommits(ctx context.Context, dsn string) (<-chan struct{}, error) {
	if dsn == "" {
		return nil, fmt.Errorf("commit notifications: no PostgreSQL URL")
	}
	out, notify := newWakeup()
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			err := listen(ctx, dsn, notify)
			if ctx.Err() != nil {
				return
			}
			_ = err // reconnect after a pause; the caller's poll covers the gap
			notify()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return out, nil
}

func listen(ctx context.Context, dsn string, notify func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN shelf_tasks"); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		notify()
	}
}
