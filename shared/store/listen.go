package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// ReconnectDelay is how long Listen waits before it connects again after its connection broke.
const ReconnectDelay = time.Second

// Listen LISTENs on a PostgreSQL notification channel and signals the returned channel (coalesced:
// a busy receiver sees one signal for many) on each notification, until ctx ends; then the channel
// closes. It holds its own connection, outside db's pool, since a LISTEN lives as long as its
// connection. A broken connection is opened again after ReconnectDelay, and each (re)connection
// signals once, because notifications sent while nobody listened are lost: the receiver re-reads
// what it watches. Every LISTEN in shelf goes through this one function.
func Listen(ctx context.Context, db *gorm.DB, channel string) (<-chan struct{}, error) {
	dsn := PostgresURL(db)
	if dsn == "" {
		return nil, errors.New("listen: not a PostgreSQL database")
	}
	if !validChannel(channel) {
		return nil, fmt.Errorf("listen: channel name %q", channel)
	}
	out, notify := NewWakeup()
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			_ = listen(ctx, dsn, channel, notify) // the signal below makes the receiver look again
			if ctx.Err() != nil {
				return
			}
			notify()
			select {
			case <-ctx.Done():
			case <-time.After(ReconnectDelay):
			}
		}
	}()
	return out, nil
}

func listen(ctx context.Context, dsn, channel string, notify func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	notify() // anything sent before LISTEN took effect was missed
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		notify()
	}
}

// validChannel accepts the lower-case identifiers shelf names its channels with, so the name can
// go into the LISTEN statement as it is.
func validChannel(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && c != '_' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// NewWakeup returns a channel of capacity one and the function that signals it: a signal never
// blocks, and a receiver that was busy sees one signal for many.
func NewWakeup() (chan struct{}, func()) {
	out := make(chan struct{}, 1)
	return out, func() {
		select {
		case out <- struct{}{}:
		default:
		}
	}
}
