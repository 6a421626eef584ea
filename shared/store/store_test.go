package store_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

// With SHELF_TEST_OPEN set, the test binary only opens (and so migrates)
// that database: the helper process of the concurrent start-up test.
func TestMain(m *testing.M) {
	if path := os.Getenv("SHELF_TEST_OPEN"); path != "" {
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if n, _ := strconv.Atoi(os.Getenv("SHELF_TEST_WRITE_THEN_HANG")); n > 0 {
			writeThenHang(db, n)
		}
		_ = store.Close(db)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeThenHang commits n tasks one transaction each, says so, and waits
// to be killed.
func writeThenHang(db *gorm.DB, n int) {
	for i := 0; i < n; i++ {
		if err := db.Exec(`INSERT INTO tasks (name, status, run_after, created_at) VALUES ('echo', 'pending', 1, 1)`).Error; err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Println(n)
	select {}
}

type gormDB = gorm.DB

func TestOpenSetsPragmasOnEveryConnection(t *testing.T) {
	t.Parallel()
	if storetest.Backend() != "sqlite" {
		t.Skip("SQLite connection settings; " + storetest.Describe())
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "shelf.db"), store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	for i := 0; i < 3; i++ { // several pooled connections
		conn, err := sqlDB.Conn(context.Background())
		require.NoError(t, err)
		defer conn.Close()
		var mode string
		var fk, busy int
		require.NoError(t, conn.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode))
		require.NoError(t, conn.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&fk))
		require.NoError(t, conn.QueryRowContext(context.Background(), "PRAGMA busy_timeout").Scan(&busy))
		require.Equal(t, "wal", mode)
		require.Equal(t, 1, fk)
		require.Equal(t, 10000, busy)
	}
}

func TestMigrationsApplyOnceWhenProcessesStartTogether(t *testing.T) {
	path := storetest.NewDSN(t)
	var cmds []*exec.Cmd
	for i := 0; i < 6; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SHELF_TEST_OPEN="+path)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "every process opens the new file without error")
	}
	db, err := store.Open(context.Background(), path, store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	var versions []int
	require.NoError(t, db.Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&versions).Error)
	want := store.Versions()
	slices.Sort(want)
	require.Equal(t, want, versions, "each migration recorded exactly once")
	ok, err := store.Migrated(context.Background(), db)
	require.NoError(t, err)
	require.True(t, ok)
}

func TestIsBusyRecognisesSQLiteLockErrors(t *testing.T) {
	t.Parallel()
	require.True(t, store.IsBusy(fmt.Errorf("database is locked (5) (SQLITE_BUSY)")))
	require.False(t, store.IsBusy(fmt.Errorf("no such table: x")))
	require.False(t, store.IsBusy(nil))
}

func TestNumberPlaceholdersLeavesStringLiteralsAlone(t *testing.T) {
	require.Equal(t, `SELECT $1, '?', 'it''s ?', $2 WHERE a = $3`,
		store.NumberPlaceholders(`SELECT ?, '?', 'it''s ?', ? WHERE a = ?`))
}
