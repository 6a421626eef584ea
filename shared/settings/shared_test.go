package settings_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

const (
	waitFor = 10 * time.Second
	tick    = 10 * time.Millisecond
)

type sharedBundle struct {
	dsn  string
	db   *gorm.DB
	docs *document.Store
}

func setupShared(t *testing.T) sharedBundle {
	t.Helper()
	dsn, db := storetest.Open(t)
	return sharedBundle{dsn: dsn, db: db, docs: document.New(db)}
}

// otherProcess opens the database again, as a process on another host would.
func (b sharedBundle) otherProcess(t *testing.T) *document.Store {
	t.Helper()
	db, err := store.Open(context.Background(), b.dsn, store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(db) })
	return document.New(db)
}

// notifiedReread is the re-read interval of a test that must see a change through its
// notification: on PostgreSQL too long to matter; SQLite has no notifications, so there the
// re-read is the way changes arrive.
func notifiedReread() time.Duration {
	if storetest.Backend() == "postgres" {
		return time.Hour
	}
	return 20 * time.Millisecond
}

// start makes a Manager and runs it until the test ends.
func start(t *testing.T, docs *document.Store, path string, reread time.Duration) *settings.Manager {
	t.Helper()
	m, err := settings.NewSharedManager(context.Background(), settings.SharedOptions{
		Shared: docs.Named(document.Settings), Path: path, Reread: reread,
		Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return m
}

func withSlots(slots int) settings.Settings {
	s := settings.Default()
	s.Worker.Slots = slots
	return s
}

func putRaw(t *testing.T, docs *document.Store, text string) {
	t.Helper()
	_, err := docs.Put(context.Background(), document.Settings, []byte(text), document.Any)
	require.NoError(t, err)
}

func TestAnUpdateOnTheAPIHostReachesAProcessWithoutASettingsFileLive(t *testing.T) {
	t.Parallel()
	b := setupShared(t)
	path := filepath.Join(t.TempDir(), "settings.yaml")
	api := start(t, b.docs, path, notifiedReread())
	worker := start(t, b.otherProcess(t), "", notifiedReread())
	require.Equal(t, settings.Default(), worker.Current())
	updates, cancel := worker.Subscribe()
	defer cancel()
	<-updates

	_, err := api.Update([]byte(`{"worker": {"slots": 7}}`))
	require.NoError(t, err)
	select {
	case got := <-updates:
		require.Equal(t, 7, got.Worker.Slots)
	case <-time.After(waitFor):
		t.Fatal("the worker did not get the update")
	}
	onDisk, err := settings.Load(path)
	require.NoError(t, err)
	require.Equal(t, 7, onDisk.Worker.Slots, "the api host's file follows")

	// A hand edit of the file on the api host reaches the worker the same way.
	require.NoError(t, settings.Save(path, withSlots(3)))
	require.Eventually(t, func() bool { return worker.Current().Worker.Slots == 3 }, waitFor, tick)
	require.Zero(t, worker.ReloadErrors())
}

func TestABadDocumentInTheDatabaseKeepsTheLastGoodSettings(t *testing.T) {
	t.Parallel()
	b := setupShared(t)
	putRaw(t, b.docs, "worker:\n  slots: 5\n")
	worker := start(t, b.otherProcess(t), "", notifiedReread())
	require.Equal(t, 5, worker.Current().Worker.Slots)

	for _, bad := range []string{"worker:\n  slots: 0\n", "worker:\n  slot: 3\n", "worker: [\n"} {
		before := worker.ReloadErrors()
		putRaw(t, b.docs, bad)
		require.Eventually(t, func() bool { return worker.ReloadErrors() > before }, waitFor, tick, bad)
		require.Equal(t, 5, worker.Current().Worker.Slots, bad)
	}
	putRaw(t, b.docs, "worker:\n  slots: 6\n")
	require.Eventually(t, func() bool { return worker.Current().Worker.Slots == 6 }, waitFor, tick)
}

func TestAChangeWhoseNotificationIsLostArrivesWithThePeriodicReread(t *testing.T) {
	t.Parallel()
	b := setupShared(t)
	if storetest.Backend() == "postgres" {
		// Writes made while the trigger is off notify nobody, as if the listener were away.
		require.NoError(t, b.db.Exec(`ALTER TABLE documents DISABLE TRIGGER documents_notify`).Error)
	}
	worker := start(t, b.otherProcess(t), "", 200*time.Millisecond)
	putRaw(t, b.docs, "worker:\n  slots: 9\n")
	require.Eventually(t, func() bool { return worker.Current().Worker.Slots == 9 }, waitFor, tick)
}

func TestTheFileIsImportedAtTheFirstStartAndLaterRewrittenFromTheDatabase(t *testing.T) {
	t.Parallel()
	b := setupShared(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, settings.Save(path, withSlots(3)))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(path, old, old))

	open := func() *settings.Manager {
		m, err := settings.NewSharedManager(ctx, settings.SharedOptions{Shared: b.docs.Named(document.Settings), Path: path})
		require.NoError(t, err)
		return m
	}
	require.Equal(t, 3, open().Current().Worker.Slots)
	stored, _, err := b.docs.Get(ctx, document.Settings)
	require.NoError(t, err)
	s, err := settings.Parse(stored)
	require.NoError(t, err)
	require.Equal(t, 3, s.Worker.Slots, "the empty database took the file")

	// The database moved on after the file was written: it wins and the file follows.
	require.NoError(t, os.Chtimes(path, old, old))
	putRaw(t, b.docs, "worker:\n  slots: 4\n")
	require.Equal(t, 4, open().Current().Worker.Slots)
	onDisk, err := settings.Load(path)
	require.NoError(t, err)
	require.Equal(t, 4, onDisk.Worker.Slots)

	// The file was edited after the database's last write (while the api was down): it wins.
	require.NoError(t, settings.Save(path, withSlots(8)))
	future := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(path, future, future))
	require.Equal(t, 8, open().Current().Worker.Slots)
	stored, _, err = b.docs.Get(ctx, document.Settings)
	require.NoError(t, err)
	s, err = settings.Parse(stored)
	require.NoError(t, err)
	require.Equal(t, 8, s.Worker.Slots)

	// An invalid file is left alone; the database's settings are used.
	require.NoError(t, os.WriteFile(path, []byte("worker:\n  slots: 0\n"), 0o644))
	m := open()
	require.Equal(t, 8, m.Current().Worker.Slots)
	require.Equal(t, uint64(1), m.ReloadErrors())
	onDiskText, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "worker:\n  slots: 0\n", string(onDiskText))
}

func TestConcurrentUpdatesOfTwoAPIReplicasBothLand(t *testing.T) {
	t.Parallel()
	b := setupShared(t)
	a := start(t, b.docs, filepath.Join(t.TempDir(), "settings.yaml"), time.Hour)
	c := start(t, b.otherProcess(t), filepath.Join(t.TempDir(), "settings.yaml"), time.Hour)
	done := make(chan error, 2)
	go func() { _, err := a.Update([]byte(`{"worker": {"slots": 6}}`)); done <- err }()
	go func() { _, err := c.Update([]byte(`{"scheduler": {"scan_interval": "2h"}}`)); done <- err }()
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	latest, err := a.Latest(context.Background())
	require.NoError(t, err)
	require.Equal(t, 6, latest.Worker.Slots)
	require.Equal(t, 2*time.Hour, latest.ScanInterval())
}

func TestAnAPIHostWithAFreshDataFolderWritesTheDatabasesSettingsIntoIt(t *testing.T) {
	t.Parallel()
	b := setupShared(t)
	putRaw(t, b.docs, "worker:\n  slots: 4\n")
	path := filepath.Join(t.TempDir(), "new", "data", "settings.yaml")
	m, err := settings.NewSharedManager(context.Background(), settings.SharedOptions{Shared: b.docs.Named(document.Settings), Path: path})
	require.NoError(t, err)
	require.Equal(t, 4, m.Current().Worker.Slots)
	onDisk, err := settings.Load(path)
	require.NoError(t, err)
	require.Equal(t, 4, onDisk.Worker.Slots)
}
