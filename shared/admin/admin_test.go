package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/admin"
	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/worker"
)

// These commands move SQLite files around (back up, restore, copy to PostgreSQL), so the source
// is always a SQLite file in a data folder, whichever backend the rest of the suite runs on; the
// migrate-db tests need PostgreSQL as well and skip, saying so, without SHELF_TEST_POSTGRES_URL.

// runCommand runs `shelf-api <args>` as the binary would, with vars as its environment, and
// returns its exit status and what it printed.
func runCommand(t *testing.T, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	never := func(context.Context, *service.Service) error { panic("a command must not start the api") }
	status := service.Run(config.ServiceAPI, args, func(name string) string { return vars[name] }, &out, never, admin.Commands()...)
	return status, out.String()
}

// fixture is a data folder whose shelf.db holds work in every state and a small catalog.
type fixture struct {
	dataDir, dbPath string
	parentID        int64
}

// newFixture fills <data>/shelf.db: pending echo tasks, a fan-out of 20 echo children of which
// 5 completed (the parent waits for the other 15), a failed task, and a library with files, apps
// and titles. It closes the database, as stopped services would.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{dataDir: t.TempDir()}
	f.dbPath = filepath.Join(f.dataDir, "shelf.db")
	db, err := store.Open(ctx, f.dbPath, store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	q := queue.New(db, registry(), queue.Options{})

	parent, err := q.Enqueue(ctx, queue.Params{Name: diagnostic.Fanout,
		Args: map[string]any{"children": 20, "child": map[string]any{"name": diagnostic.Echo}}})
	require.NoError(t, err)
	f.parentID = parent.Task.ID
	claimed, err := q.Claim(ctx, "seed", 1)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	def, _ := q.Registry().Lookup(diagnostic.Fanout)
	job := q.NewJob(claimed[0], "seed", slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, def.Handler(ctx, job))
	finish(t, q, queue.Outcome{Ref: queue.RefOf(claimed[0]), Result: job.ResultJSON()})
	children, err := q.Claim(ctx, "seed", 5)
	require.NoError(t, err)
	require.Len(t, children, 5)
	for _, c := range children {
		finish(t, q, queue.Outcome{Ref: queue.RefOf(c), Result: []byte(`{}`)})
	}
	for i := 0; i < 10; i++ {
		_, err := q.Enqueue(ctx, queue.Params{Name: diagnostic.Echo, Args: map[string]any{"i": i}})
		require.NoError(t, err)
	}
	failed, err := q.Enqueue(ctx, queue.Params{Name: diagnostic.Fail, Priority: -1,
		Args: map[string]any{"message": "seeded", "permanent": true}})
	require.NoError(t, err)
	claimed, err = q.Claim(ctx, "seed", 1)
	require.NoError(t, err)
	require.Equal(t, failed.Task.ID, claimed[0].ID)
	finish(t, q, queue.Outcome{Ref: queue.RefOf(claimed[0]), Err: queue.Permanent(os.ErrInvalid)})

	for _, stmt := range []string{
		`INSERT INTO libraries (id, path, last_scan_at) VALUES (1, '/library', 5)`,
		`INSERT INTO files (id, library_id, folder, name, extension, size, mtime, path, identified, identification_method, created_at, updated_at)
			VALUES (1, 1, '/library', 'a [0100000000010000][v0].nsp', 'nsp', 10, 1, '/library/a [0100000000010000][v0].nsp', TRUE, 'filename', 1, 1)`,
		`INSERT INTO files (id, library_id, folder, name, extension, size, mtime, path, identified, identification_error, created_at, updated_at)
			VALUES (2, 1, '/library', 'b.xci', 'xci', 20, 1, '/library/b.xci', FALSE, 'no id in name', 1, 1)`,
		`INSERT INTO apps (id, app_id, version, type, owned, title_id) VALUES (1, '0100000000010000', 0, 'base', TRUE, '0100000000010000')`,
		`INSERT INTO apps (id, app_id, version, type, owned, title_id) VALUES (2, '0100000000010800', 65536, 'update', FALSE, '0100000000010000')`,
		`INSERT INTO file_apps (file_id, app_id) VALUES (1, 1)`,
		`INSERT INTO titles (id, title_id, name, has_base, up_to_date, complete) VALUES (1, '0100000000010000', 'Sample', TRUE, FALSE, FALSE)`,
		`INSERT INTO ignored_events (id, src, dest, expires_at) VALUES (1, '/library/x', '/library/y', 9)`,
	} {
		require.NoError(t, db.Exec(stmt).Error)
	}
	return f
}

func registry() *queue.Registry {
	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	return reg
}

func finish(t *testing.T, q *queue.Queue, o queue.Outcome) {
	t.Helper()
	errs, err := q.Finish(context.Background(), []queue.Outcome{o})
	require.NoError(t, err)
	require.NoError(t, errs[0])
}

// snapshot is every row that matters of every table, in a form both backends scan alike.
type snapshot struct {
	Tasks []struct {
		ID                               int64
		Name, Args, Status               string
		ParentID                         *int64
		ChildrenTotal, ChildrenCompleted int
		ChildrenFailed, Attempts         int
		DedupKey, Error, Result, Worker  *string
		RunAfter, CreatedAt              int64
		StartedAt, FinishedAt            *int64
	}
	Libraries []struct {
		ID         int64
		Path       string
		LastScanAt *int64
	}
	Files []struct {
		ID                        int64
		Path, IdentificationError string
		Identified                bool
	}
	Apps []struct {
		ID      int64
		AppID   string
		Version int64
		Type    string
		Owned   bool
	}
	FileApps []struct{ FileID, AppID int64 }
	Titles   []struct {
		TitleID, Name               string
		HasBase, UpToDate, Complete bool
	}
	IgnoredEvents []struct {
		ID        int64
		Src, Dest string
		ExpiresAt int64
	}
}

func takeSnapshot(t *testing.T, db *gorm.DB) snapshot {
	t.Helper()
	var s snapshot
	for query, dest := range map[string]any{
		`SELECT id, name, args, status, parent_id, children_total, children_completed, children_failed, attempts,
			dedup_key, error, result, worker, run_after, created_at, started_at, finished_at FROM tasks ORDER BY id`: &s.Tasks,
		`SELECT id, path, last_scan_at FROM libraries ORDER BY id`:                      &s.Libraries,
		`SELECT id, path, identification_error, identified FROM files ORDER BY id`:      &s.Files,
		`SELECT id, app_id, version, type, owned FROM apps ORDER BY id`:                 &s.Apps,
		`SELECT file_id, app_id FROM file_apps ORDER BY file_id, app_id`:                &s.FileApps,
		`SELECT title_id, name, has_base, up_to_date, complete FROM titles ORDER BY id`: &s.Titles,
		`SELECT id, src, dest, expires_at FROM ignored_events ORDER BY id`:              &s.IgnoredEvents,
	} {
		require.NoError(t, db.Raw(query).Scan(dest).Error, query)
	}
	return s
}

func openSnapshot(t *testing.T, dsn string) snapshot {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	return takeSnapshot(t, db)
}

func TestBackupWritesACheckedCopyWithEveryRowUnderTheDataFolder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := openSnapshot(t, f.dbPath)
	require.Len(t, want.Tasks, 32, "fan-out parent, 20 children, 10 echo tasks, 1 failed")

	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.BackupCommand)
	require.Equal(t, 0, status, out)
	require.Contains(t, out, "integrity ok")
	backups, err := filepath.Glob(filepath.Join(f.dataDir, "backups", "shelf-*.db"))
	require.NoError(t, err)
	require.Len(t, backups, 1, "written under <data-dir>/backups with a timestamp")
	require.Equal(t, want, openSnapshot(t, backups[0]))

	// --out names the file; an existing file is never overwritten.
	out1 := filepath.Join(t.TempDir(), "nightly.db")
	status, out = runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.BackupCommand, "--out", out1)
	require.Equal(t, 0, status, out)
	status, out = runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.BackupCommand, "--out", out1)
	require.Equal(t, 1, status)
	require.Contains(t, out, "already exists")
}

func TestBackupOfAMissingDatabaseSaysWhereItLookedAndCreatesNothing(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": dataDir}, admin.BackupCommand)
	require.Equal(t, 1, status)
	require.Contains(t, out, filepath.Join(dataDir, "shelf.db"))
	require.NoFileExists(t, filepath.Join(dataDir, "shelf.db"))
}

func TestRestorePutsTheBackupInPlaceAndKeepsTheDatabaseItReplaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	backup := filepath.Join(t.TempDir(), "shelf-backup.db")
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.BackupCommand, "--out", backup)
	require.Equal(t, 0, status, out)
	want := openSnapshot(t, f.dbPath)

	// Work done after the backup, then the services stop.
	db, err := store.Open(ctx, f.dbPath, store.Options{})
	require.NoError(t, err)
	_, err = queue.New(db, registry(), queue.Options{}).Enqueue(ctx, queue.Params{Name: diagnostic.Echo, Args: map[string]any{"late": true}})
	require.NoError(t, err)
	require.NoError(t, db.Exec(`DELETE FROM files WHERE id = 2`).Error)
	require.NoError(t, store.Close(db))

	status, out = runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.RestoreCommand, "--from", backup)
	require.Equal(t, 0, status, out)
	require.Equal(t, want, openSnapshot(t, f.dbPath), "the rows as they were at the backup")
	problems, err := store.CheckFile(ctx, f.dbPath)
	require.NoError(t, err)
	require.Empty(t, problems)
	_, err = os.Stat(backup)
	require.NoError(t, err, "the backup itself stays")

	aside, err := filepath.Glob(f.dbPath + ".before-restore-*")
	require.NoError(t, err)
	require.NotEmpty(t, aside)
	replaced := openSnapshot(t, aside[0])
	require.Len(t, replaced.Tasks, len(want.Tasks)+1, "the replaced database is kept with its later work")

	// The restored database runs: the fan-out finishes and its continuation runs once.
	restored, err := store.Open(ctx, f.dbPath, store.Options{})
	require.NoError(t, err)
	defer store.Close(restored)
	drain(t, queue.New(restored, registry(), queue.Options{}))
	requireFanoutDone(t, restored, f.parentID)
}

func TestRestoreRefusesABrokenBackupAndARunningWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	junk := filepath.Join(t.TempDir(), "junk.db")
	require.NoError(t, os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o644))
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.RestoreCommand, "--from", junk)
	require.Equal(t, 1, status)
	require.Contains(t, out, "not restoring")

	backup := filepath.Join(t.TempDir(), "b.db")
	status, out = runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.BackupCommand, "--out", backup)
	require.Equal(t, 0, status, out)
	db, err := store.Open(ctx, f.dbPath, store.Options{})
	require.NoError(t, err)
	require.NoError(t, queue.New(db, registry(), queue.Options{}).ReportWorker(ctx, queue.WorkerInfo{
		ID: "host-1-abc", Hostname: "host", Slots: 4, StartedAt: time.Now()}))
	require.NoError(t, store.Close(db))
	status, out = runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.RestoreCommand, "--from", backup)
	require.Equal(t, 1, status)
	require.Contains(t, out, "stop every service first")
	require.Contains(t, out, "host-1-abc")
	aside, _ := filepath.Glob(f.dbPath + ".before-restore-*")
	require.Empty(t, aside, "nothing was touched")
}

func TestMigrateDBCopiesEveryTaskAndCatalogRowToPostgreSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := storetest.NewPostgresDSN(t) // skips, saying so, without SHELF_TEST_POSTGRES_URL
	f := newFixture(t)
	want := openSnapshot(t, f.dbPath)

	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.MigrateDBCommand, "--to", pg)
	require.Equal(t, 0, status, out)
	require.Regexp(t, `tasks\s+32 rows`, out)
	require.Regexp(t, `files\s+2 rows`, out)
	require.Regexp(t, `file_apps\s+1 rows`, out)
	require.NotContains(t, out, ":shelf@", "the password is not printed")
	require.Equal(t, want, openSnapshot(t, pg), "every row arrived as it was")
	require.Equal(t, want, openSnapshot(t, f.dbPath), "the SQLite file is left as it was")

	// Refused a second time: the target is no longer empty, and nothing changes.
	status, out = runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.MigrateDBCommand, "--to", pg)
	require.Equal(t, 1, status)
	require.Contains(t, out, "not empty")
	require.Contains(t, out, "tasks: 32 rows")

	// The work carries on where it stopped, on PostgreSQL: the 15 pending children and the echo
	// tasks run, the fan-out completes and its continuation runs once.
	db, err := store.Open(ctx, pg, store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	drain(t, queue.New(db, registry(), queue.Options{}))
	requireFanoutDone(t, db, f.parentID)
}

func TestMigrateDBRefusesWithoutATargetOrWhileWorkersRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	vars := map[string]string{"SHELF_DATA_DIR": f.dataDir}
	status, out := runCommand(t, vars, admin.MigrateDBCommand)
	require.Equal(t, 1, status)
	require.Contains(t, out, "--to is required")
	status, out = runCommand(t, vars, admin.MigrateDBCommand, "--to", filepath.Join(t.TempDir(), "other.db"))
	require.Equal(t, 1, status)
	require.Contains(t, out, "postgres://")
	status, out = runCommand(t, vars, admin.MigrateDBCommand, "--too", "x")
	require.Equal(t, 2, status, "an unknown flag is a usage error")
	require.Contains(t, out, "-too")

	pg := storetest.NewPostgresDSN(t)
	ctx := context.Background()
	db, err := store.Open(ctx, f.dbPath, store.Options{})
	require.NoError(t, err)
	require.NoError(t, queue.New(db, registry(), queue.Options{}).ReportWorker(ctx, queue.WorkerInfo{
		ID: "host-2-def", Hostname: "host", Slots: 4, StartedAt: time.Now()}))
	require.NoError(t, store.Close(db))
	status, out = runCommand(t, vars, admin.MigrateDBCommand, "--to", pg)
	require.Equal(t, 1, status)
	require.Contains(t, out, "stop every service first")
}

// drain runs a worker pool until no task is pending, running or waiting for children.
func drain(t *testing.T, q *queue.Queue) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool := worker.New(q, worker.Config{Slots: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-done) }()
	deadline := time.Now().Add(2 * time.Minute) // generous: the machine may be busy
	for {
		var open int64
		require.NoError(t, q.DB().Raw(`SELECT COUNT(*) FROM tasks
			WHERE status IN ('pending', 'running', 'waiting_for_children')`).Scan(&open).Error)
		if open == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d tasks still open", open)
		time.Sleep(20 * time.Millisecond)
	}
}

// requireFanoutDone checks that the fan-out parent completed with all 20 children and that its
// continuation ran exactly once and saw them.
func requireFanoutDone(t *testing.T, db *gorm.DB, parentID int64) {
	t.Helper()
	var parent struct {
		Status            string
		ChildrenCompleted int
	}
	require.NoError(t, db.Raw(`SELECT status, children_completed FROM tasks WHERE id = ?`, parentID).Scan(&parent).Error)
	require.Equal(t, "completed", parent.Status)
	require.Equal(t, 20, parent.ChildrenCompleted)
	var results []string
	require.NoError(t, db.Raw(`SELECT result FROM tasks WHERE name = ? AND status = 'completed'`, diagnostic.FanoutDone).Scan(&results).Error)
	require.Len(t, results, 1, "the continuation ran once")
	var res struct {
		ParentID int64 `json:"parent_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(results[0]), &res))
	require.Equal(t, parentID, res.ParentID)
}

func TestHelpListsTheCommands(t *testing.T) {
	t.Parallel()
	status, out := runCommand(t, nil, "--help")
	require.Equal(t, 0, status)
	for _, name := range []string{service.HealthcheckCommand, admin.MigrateDBCommand, admin.BackupCommand, admin.RestoreCommand} {
		require.Contains(t, out, "  "+name+" ")
	}
	status, _ = runCommand(t, nil, admin.MigrateDBCommand, "--help")
	require.Equal(t, 0, status)
}
