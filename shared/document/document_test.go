package document_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

func TestPutThenGetReturnsTheContentAndEachChangeIsTheNextRevision(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	docs := document.New(db)
	ctx := context.Background()

	_, _, err := docs.Get(ctx, "a")
	require.ErrorIs(t, err, document.ErrNotFound)
	_, err = docs.Stat(ctx, "a")
	require.ErrorIs(t, err, document.ErrNotFound)

	big := bytes.Repeat([]byte("titles "), 100_000)
	m1, err := docs.Put(ctx, "a", big, 0)
	require.NoError(t, err)
	require.Equal(t, int64(1), m1.Revision)
	got, m, err := docs.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, big, got)
	require.Equal(t, m1, m)

	m2, err := docs.Put(ctx, "a", []byte("second"), m1.Revision)
	require.NoError(t, err)
	require.Equal(t, int64(2), m2.Revision)
	stat, err := docs.Stat(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, m2, stat)
	require.Equal(t, int64(len("second")), stat.Size)
}

func TestPutOfTheSameContentKeepsTheRevision(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	docs := document.New(db)
	ctx := context.Background()
	m1, err := docs.Put(ctx, "a", []byte("same"), document.Any)
	require.NoError(t, err)
	m2, err := docs.Put(ctx, "a", []byte("same"), document.Any)
	require.NoError(t, err)
	require.Equal(t, m1, m2)
}

func TestPutBasedOnAnOldRevisionConflicts(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	docs := document.New(db)
	ctx := context.Background()
	_, err := docs.Put(ctx, "a", []byte("one"), 0)
	require.NoError(t, err)
	_, err = docs.Put(ctx, "a", []byte("two"), 0)
	require.ErrorIs(t, err, document.ErrConflict)
	_, err = docs.Put(ctx, "a", []byte("two"), 5)
	require.ErrorIs(t, err, document.ErrConflict)
	got, _, err := docs.Get(ctx, "a")
	require.NoError(t, err)
	require.Equal(t, "one", string(got))
}

func TestADamagedDocumentIsRefusedNotReturned(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	docs := document.New(db)
	ctx := context.Background()
	_, err := docs.Put(ctx, "a", []byte("good content"), 0)
	require.NoError(t, err)
	require.NoError(t, db.Exec(`UPDATE documents SET sha256 = ? WHERE name = 'a'`, "00").Error)
	_, _, err = docs.Get(ctx, "a")
	require.ErrorContains(t, err, "does not match its digest")
}

func TestChangesSignalsAWriteOfAnotherConnection(t *testing.T) {
	t.Parallel()
	dsn, db := storetest.Open(t)
	docs := document.New(db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := docs.Changes(ctx)
	require.NoError(t, err)
	if storetest.Backend() == "sqlite" {
		require.Nil(t, changes, "SQLite has no notifications; readers re-read")
		return
	}
	drain(changes, time.Second) // the signal of the first connection

	other, err := store.Open(ctx, dsn, store.Options{})
	require.NoError(t, err)
	defer store.Close(other)
	_, err = document.New(other).Put(ctx, "a", []byte("from another process"), 0)
	require.NoError(t, err)
	requireSignal(t, changes)

	// A listener whose connection is killed connects again and signals, so its reader looks
	// again for what it may have missed; later writes are heard again.
	require.NoError(t, other.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`).Error)
	requireSignal(t, changes)
	drain(changes, 2*store.ReconnectDelay)
	_, err = document.New(other).Put(ctx, "a", []byte("after the reconnection"), document.Any)
	require.NoError(t, err)
	requireSignal(t, changes)

	cancel()
	for range changes {
	}
}

func requireSignal(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no change signalled within 10 s")
	}
}

// drain takes the signals that arrive within d.
func drain(ch <-chan struct{}, d time.Duration) {
	deadline := time.After(d)
	for {
		select {
		case <-ch:
		case <-deadline:
			return
		}
	}
}
