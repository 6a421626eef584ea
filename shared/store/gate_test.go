package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

func openGated(t *testing.T, path string, opts store.Options) *gorm.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(db) })
	require.NotNil(t, store.WriteGate(db))
	return db
}

// Transactions from many goroutines and from two handles on the file (as two
// processes would have) take turns: every read-modify-write lands.
func TestTransactionsTakeTurnsOnTheWriteGate(t *testing.T) {
	if storetest.Backend() != "sqlite" {
		t.Skip("the write gate is SQLite's")
	}
	path := t.TempDir() + "/shelf.db"
	a := openGated(t, path, store.Options{})
	b := openGated(t, path, store.Options{})
	require.NoError(t, a.Exec(`CREATE TABLE counter (n INTEGER NOT NULL)`).Error)
	require.NoError(t, a.Exec(`INSERT INTO counter (n) VALUES (0)`).Error)
	var wg sync.WaitGroup
	for i := range 8 {
		db := []*gorm.DB{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				assert.NoError(t, db.Transaction(func(tx *gorm.DB) error {
					var n int
					if err := tx.Raw(`SELECT n FROM counter`).Scan(&n).Error; err != nil {
						return err
					}
					if _, err := tx.DB(); err != nil { // GORM still finds the pool inside a transaction
						return err
					}
					return tx.Exec(`UPDATE counter SET n = ?`, n+1).Error
				}))
			}
		}()
	}
	wg.Wait()
	var n int
	require.NoError(t, b.Raw(`SELECT n FROM counter`).Scan(&n).Error)
	require.Equal(t, 200, n)
}

// A transaction that can't get its turn within the busy timeout fails as
// busy (callers retry those); the turn is free again once the holder ends,
// whether it committed or rolled back.
func TestAWriteThatWaitsPastTheBusyTimeoutIsBusy(t *testing.T) {
	if storetest.Backend() != "sqlite" {
		t.Skip("the write gate is SQLite's")
	}
	db := openGated(t, t.TempDir()+"/shelf.db", store.Options{BusyTimeout: 100 * time.Millisecond})
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- db.Transaction(func(tx *gorm.DB) error {
			close(holding)
			<-release
			return errRollBack
		})
	}()
	<-holding
	err := db.Transaction(func(tx *gorm.DB) error { return nil })
	require.ErrorIs(t, err, store.ErrGateTimeout)
	require.True(t, store.IsBusy(err))
	close(release)
	require.ErrorIs(t, <-done, errRollBack)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return nil }))
}

type rollBack struct{}

func (rollBack) Error() string { return "roll back" }

var errRollBack error = rollBack{}

func TestWritesAreToldByTheirFirstWord(t *testing.T) {
	for q, want := range map[string]bool{
		"INSERT INTO t VALUES (1) RETURNING id": true,
		"  update t SET n = 1":                  true,
		"\n\tDELETE FROM t":                     true,
		"REPLACE INTO t VALUES (1)":             true,
		"SELECT * FROM t":                       false,
		"WITH x AS (SELECT 1) SELECT * FROM x":  false,
		"PRAGMA data_version":                   false,
		"":                                      false,
	} {
		require.Equal(t, want, store.IsWrite(q), q)
	}
}
