package settings

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Deadlines are generous so that a slow or loaded machine never fails a test; a passing run
// finishes as soon as the condition holds.
const (
	waitFor = 10 * time.Second
	tick    = 10 * time.Millisecond
)

type managerBundle struct {
	path    string
	manager *Manager
}

// setupManager starts a Manager on a fresh settings file and runs its watcher until the test ends.
func setupManager(t *testing.T) managerBundle {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "settings.yaml")
	m, err := NewManager(path, slog.New(slog.NewTextHandler(t.Output(), nil)))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return managerBundle{path: path, manager: m}
}

func withSlots(slots int) Settings {
	s := Default()
	s.Worker.Slots = slots
	return s
}

func TestNewManagerCreatesMissingFileWithDefaults(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "settings.yaml")
	m, err := NewManager(path, slog.New(slog.NewTextHandler(t.Output(), nil)))
	require.NoError(t, err)
	require.Equal(t, Default(), m.Current())

	onDisk, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, Default(), onDisk)
	require.Zero(t, m.ReloadErrors())
}

func TestNewManagerKeepsAnInvalidFileAndUsesDefaults(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.yaml")
	bad := []byte("worker:\n  slots: 0\n")
	require.NoError(t, os.WriteFile(path, bad, 0o644))

	m, err := NewManager(path, slog.New(slog.NewTextHandler(t.Output(), nil)))
	require.NoError(t, err)
	require.Equal(t, Default(), m.Current())
	require.Equal(t, uint64(1), m.ReloadErrors())

	onDisk, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, bad, onDisk)
}

func TestManagerAppliesValidEditsOfTheFile(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	updates, cancel := b.manager.Subscribe()
	defer cancel()
	require.Equal(t, Default(), <-updates) // the settings in force come first

	require.NoError(t, Save(b.path, withSlots(7)))
	select {
	case got := <-updates:
		require.Equal(t, 7, got.Worker.Slots)
	case <-time.After(waitFor):
		t.Fatal("no update after the file changed")
	}
	require.Equal(t, 7, b.manager.Current().Worker.Slots)
}

func TestManagerKeepsLastGoodSettingsWhenFileIsBroken(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	require.NoError(t, Save(b.path, withSlots(5)))
	require.Eventually(t, func() bool { return b.manager.Current().Worker.Slots == 5 }, waitFor, tick)

	updates, cancel := b.manager.Subscribe()
	defer cancel()
	<-updates

	good, err := Marshal(withSlots(5))
	require.NoError(t, err)
	broken := map[string][]byte{
		"truncated": good[:bytes.Index(good, []byte("templates:"))+len("templates:\n      base: \"{title")],
		"binary":    append(append([]byte{}, good...), 0x00, 0xff, 0x13, 0x37),
		"huge":      append(append([]byte{}, good...), bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1)...),
		"invalid":   []byte("worker:\n  slots: 1000\n"),
		"unknown":   []byte("worker:\n  slot: 3\n"),
	}
	slots := 5
	for name, data := range broken {
		_, err := Parse(data)
		var invalid ValidationError
		require.ErrorAs(t, err, &invalid, "%s: the test is only meaningful for a file Parse rejects", name)
		before := b.manager.ReloadErrors()
		require.NoError(t, os.WriteFile(b.path, data, 0o644), name)
		require.Eventually(t, func() bool { return b.manager.ReloadErrors() > before }, waitFor, tick, name)
		require.Equal(t, slots, b.manager.Current().Worker.Slots, name)
		select {
		case got := <-updates:
			t.Fatalf("%s: published %+v from a broken file", name, got)
		default:
		}

		// A good file after the broken one is applied again.
		slots++
		require.NoError(t, Save(b.path, withSlots(slots)))
		require.Eventually(t, func() bool { return b.manager.Current().Worker.Slots == slots }, waitFor, tick, name)
		require.Equal(t, slots, (<-updates).Worker.Slots, name)
	}
}

func TestUpdateSavesAndPublishes(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	updates, cancel := b.manager.Subscribe()
	defer cancel()
	<-updates

	got, err := b.manager.Update([]byte(`{"worker":{"slots":3},"titles":{"region":"JP","language":"ja"}}`))
	require.NoError(t, err)
	require.Equal(t, 3, got.Worker.Slots)
	require.Equal(t, got, <-updates)
	require.Equal(t, got, b.manager.Current())

	onDisk, err := Load(b.path)
	require.NoError(t, err)
	require.Equal(t, got, onDisk)

	_, err = b.manager.Update([]byte(`{"worker":{"slots":0}}`))
	requireInvalid(t, err, "worker.slots", "between")
	require.Equal(t, got, b.manager.Current())
	require.Zero(t, b.manager.ReloadErrors())
}

func TestUpdateBuildsOnAnEditNotYetReloaded(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.yaml")
	m, err := NewManager(path, slog.New(slog.NewTextHandler(t.Output(), nil)))
	require.NoError(t, err)

	// No Run: the watcher has not seen this edit.
	edited := Default()
	edited.Library.Paths = []string{"/games"}
	require.NoError(t, Save(path, edited))

	got, err := m.Update([]byte(`{"worker":{"slots":2}}`))
	require.NoError(t, err)
	require.Equal(t, []string{"/games"}, got.Library.Paths)
	require.Equal(t, 2, got.Worker.Slots)
}

func TestConcurrentUpdatesAndReadsAreSafe(t *testing.T) {
	t.Parallel()
	b := setupManager(t)
	updates, cancel := b.manager.Subscribe()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := b.manager.Update([]byte(`{"worker":{"slots":` + strconv.Itoa(i+1) + `}}`))
			assert.NoError(t, err) // require must not stop the test from another goroutine
			_ = b.manager.Current()
		})
	}
	wg.Wait()
	cancel()
	for range updates {
		// drains until cancel's close
	}
	onDisk, err := Load(b.path)
	require.NoError(t, err)
	require.Equal(t, onDisk, b.manager.Current())

	cancel() // a second call is harmless
}

func TestInvalidFileAtStartIsCountedOnceAndRecovers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(path, []byte("worker: {slots: -1}\n"), 0o644))
	m, err := NewManager(path, slog.New(slog.NewTextHandler(t.Output(), nil)))
	require.NoError(t, err)
	require.Equal(t, uint64(1), m.ReloadErrors())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()

	require.NoError(t, Save(path, withSlots(6)))
	require.Eventually(t, func() bool { return m.Current().Worker.Slots == 6 }, waitFor, tick)
	// Run's first look at the unchanged invalid file did not count it a second time.
	require.Equal(t, uint64(1), m.ReloadErrors())
}
