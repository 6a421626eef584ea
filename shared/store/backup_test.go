package store_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

// sqliteOnly marks tests of the SQLite file itself (VACUUM INTO backups, recovery of a WAL left
// by a killed process): PostgreSQL has its own tools for both (pg_dump, crash recovery).
func sqliteOnly(t *testing.T) {
	t.Helper()
	if storetest.Backend() != "sqlite" {
		t.Skip("SQLite file behaviour; " + storetest.Describe())
	}
}

func TestBackupIsConsistentWhileWritersRun(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "shelf.db"), store.Options{})
	require.NoError(t, err)
	defer store.Close(db)

	// A writer inserts parent+child pairs in transactions while we back up:
	// a consistent snapshot never holds a child without its parent.
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := int64(1); !stop.Load(); i += 2 {
			_ = db.Transaction(func(tx *gormDB) error {
				if err := tx.Exec(`INSERT INTO tasks (id, name, status, run_after, created_at) VALUES (?, 'p', 'waiting_for_children', 1, 1)`, i).Error; err != nil {
					return err
				}
				return tx.Exec(`INSERT INTO tasks (id, name, status, run_after, created_at, parent_id) VALUES (?, 'c', 'pending', 1, 1, ?)`, i+1, i).Error
			})
		}
	}()
	time.Sleep(100 * time.Millisecond)
	backup := filepath.Join(dir, "backups", "shelf-backup.db")
	require.NoError(t, store.Backup(ctx, db, backup))
	stop.Store(true)
	wg.Wait()
	require.Error(t, store.Backup(ctx, db, backup), "never overwrites a backup")

	// Restore: the backup opens as a database of its own.
	restored, err := store.Open(ctx, backup, store.Options{})
	require.NoError(t, err)
	defer store.Close(restored)
	problems, err := store.IntegrityCheck(ctx, restored)
	require.NoError(t, err)
	require.Empty(t, problems)
	var parents, children int64
	require.NoError(t, restored.Raw("SELECT COUNT(*) FROM tasks WHERE name = 'p'").Scan(&parents).Error)
	require.NoError(t, restored.Raw("SELECT COUNT(*) FROM tasks WHERE name = 'c'").Scan(&children).Error)
	require.Greater(t, parents, int64(0))
	require.Equal(t, parents, children, "snapshot of one transaction's view")
}

func TestDatabaseLeftByAKilledProcessRecoversWithNothingLost(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "shelf.db")
	// The helper commits rows, then reports how many, then is killed
	// before it can close or checkpoint: the rows live only in the WAL.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SHELF_TEST_OPEN="+path, "SHELF_TEST_WRITE_THEN_HANG=500")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	buf := make([]byte, 16)
	n, err := out.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "500\n", string(buf[:n]))
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	_, err = os.Stat(path + "-wal")
	require.NoError(t, err, "the killed process left its WAL behind")

	db, err := store.Open(context.Background(), path, store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	var count int64
	require.NoError(t, db.Raw("SELECT COUNT(*) FROM tasks").Scan(&count).Error)
	require.EqualValues(t, 500, count)
	problems, err := store.IntegrityCheck(context.Background(), db)
	require.NoError(t, err)
	require.Empty(t, problems)
}
