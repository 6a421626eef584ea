package watch_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/watch"
)

const settle = 200 * time.Millisecond

type testBundle struct {
	ctx      context.Context
	db       *gorm.DB
	q        *queue.Queue
	settings *settings.Manager
	metrics  *metrics.Watcher
	watcher  *watch.Watcher
	// lib is the first library folder; outside is a folder outside every library.
	lib     string
	outside string
}

// setup starts a watcher on a fresh database with the library folders libs (the first one is
// created if it is empty), after prepare has run on lib.
func setup(t *testing.T, prepare func(lib string)) *testBundle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	base := t.TempDir()
	lib := filepath.Join(base, "library")
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(lib, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	if prepare != nil {
		prepare(lib)
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	_, db := storetest.Open(t)
	mgr, err := settings.NewManager(filepath.Join(base, "data", "settings.yaml"), log)
	require.NoError(t, err)
	_, err = mgr.Update(mustJSON(t, map[string]any{"library": map[string]any{"paths": []string{lib}}}))
	require.NoError(t, err)

	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	pipeline.Register(reg, pipeline.Deps{DB: db, Settings: mgr, DataDir: base, Logger: log})
	q := queue.New(db, reg, queue.Options{})
	m := metrics.NewWatcher(prometheus.NewRegistry())
	w := watch.New(q, mgr, watch.Options{Settle: settle, MoveWindow: 300 * time.Millisecond,
		RetryInterval: 200 * time.Millisecond, Metrics: m, Logger: log})

	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	select {
	case <-w.Ready():
	case err := <-done:
		t.Fatalf("watcher stopped before it was ready: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("watcher not ready after a minute")
	}
	return &testBundle{ctx: ctx, db: db, q: q, settings: mgr, metrics: m, watcher: w, lib: lib, outside: outside}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// argsOf lists the args of the tasks named name, oldest first.
func (b *testBundle) argsOf(t *testing.T, name string) []map[string]string {
	t.Helper()
	tasks, _, err := b.q.List(b.ctx, queue.Filter{Name: name, Limit: 1000})
	require.NoError(t, err)
	slices.Reverse(tasks)
	out := make([]map[string]string, 0, len(tasks))
	for _, task := range tasks {
		var args map[string]string
		require.NoError(t, json.Unmarshal(task.Args, &args))
		out = append(out, args)
	}
	return out
}

// events is the shelf_watcher_events_total count for op.
func (b *testBundle) events(op string) int {
	return int(testutil.ToFloat64(b.metrics.Events.WithLabelValues(op)))
}

// patience bounds every wait of these tests: generous, because a shared machine may be slow
// and the tests check behaviour, not speed.
const patience = time.Minute

// quiet lets several settling periods pass, for asserting that nothing happened.
func quiet() { time.Sleep(5 * settle) }

func TestStartEnqueuesOneScanPerLibrary(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.Equal(t, []map[string]string{{"library_path": b.lib}}, b.argsOf(t, pipeline.ScanLibrary))
	require.Contains(t, b.watcher.Directories(), b.lib)
}

func TestNewFileIsForwardedOnceItStopsChanging(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	path := filepath.Join(b.lib, "Game [0100000000010000][v0].nsp")
	f, err := os.Create(path)
	require.NoError(t, err)
	// Keep writing for several settling periods: nothing may be forwarded meanwhile.
	for range 10 {
		_, err := f.WriteString("chunk of a game being copied\n")
		require.NoError(t, err)
		time.Sleep(settle / 2)
	}
	require.Zero(t, b.events("added"), "a file still being written is not forwarded")
	require.NoError(t, f.Close())

	eventually.Holds(t, patience, "handle_file_added", func() bool { return b.events("added") == 1 })
	require.Equal(t, []map[string]string{{"library_path": b.lib, "filepath": path}},
		b.argsOf(t, pipeline.HandleFileAdded))
	quiet()
	require.Equal(t, 1, b.events("added"), "forwarded once")
}

func TestOnlyGameFilesAreForwardedWhateverTheCase(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	writeFile(t, filepath.Join(b.lib, "notes.txt"), "x")
	writeFile(t, filepath.Join(b.lib, "Game.NSZ"), "x")
	writeFile(t, filepath.Join(b.lib, "Game.Xci"), "x")
	writeFile(t, filepath.Join(b.lib, "Game.xcz"), "x")
	writeFile(t, filepath.Join(b.lib, "Game.nsp.part"), "x")

	eventually.Holds(t, patience, "three adds", func() bool { return b.events("added") == 3 })
	var got []string
	for _, a := range b.argsOf(t, pipeline.HandleFileAdded) {
		got = append(got, filepath.Base(a["filepath"]))
	}
	require.ElementsMatch(t, []string{"Game.NSZ", "Game.Xci", "Game.xcz"}, got)
	require.GreaterOrEqual(t, testutil.ToFloat64(b.metrics.Ignored), 2.0, "the other two are counted as ignored")
}

func TestNewSubfoldersAreWatched(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	// A folder tree created at once: its files may exist before its watch does.
	writeFile(t, filepath.Join(b.lib, "a", "b", "c", "Deep.nsp"), "x")
	eventually.Holds(t, patience, "the file in the new tree", func() bool { return b.events("added") == 1 })

	// A file created in the new folder later is reported by its watch.
	later := filepath.Join(b.lib, "a", "b", "Later.xci")
	writeFile(t, later, "y")
	eventually.Holds(t, patience, "the later file", func() bool { return b.events("added") == 2 })
	require.Equal(t, later, b.argsOf(t, pipeline.HandleFileAdded)[1]["filepath"])
	require.Subset(t, b.watcher.Directories(), []string{
		filepath.Join(b.lib, "a"), filepath.Join(b.lib, "a", "b"), filepath.Join(b.lib, "a", "b", "c")})
	require.Equal(t, 4.0, testutil.ToFloat64(b.metrics.Directories))
}

func TestModifiedFileIsForwardedAgain(t *testing.T) {
	t.Parallel()
	var path string
	b := setup(t, func(lib string) {
		path = filepath.Join(lib, "Game.nsp")
		writeFile(t, path, "v1")
	})
	quiet()
	require.Zero(t, b.events("added"), "files present at start are left to the scan")
	writeFile(t, path, "version two")
	eventually.Holds(t, patience, "the modified file", func() bool { return b.events("added") == 1 })
}

func TestRenameInsideTheLibraryIsAMove(t *testing.T) {
	t.Parallel()
	var src string
	b := setup(t, func(lib string) {
		src = filepath.Join(lib, "Game.nsp")
		writeFile(t, src, "game")
	})
	dest := filepath.Join(b.lib, "Sorted", "Game [v0].nsp")
	require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
	require.NoError(t, os.Rename(src, dest))

	eventually.Holds(t, patience, "handle_file_moved", func() bool { return b.events("moved") == 1 })
	require.Equal(t, []map[string]string{{"library_path": b.lib, "src": src, "dest": dest}},
		b.argsOf(t, pipeline.HandleFileMoved))
	quiet()
	require.Zero(t, b.events("added"))
	require.Zero(t, b.events("deleted"))
}

func TestMovingOutIsADeleteAndMovingInIsAnAdd(t *testing.T) {
	t.Parallel()
	var inside string
	b := setup(t, func(lib string) {
		inside = filepath.Join(lib, "Leaving.nsp")
		writeFile(t, inside, "game")
	})
	require.NoError(t, os.Rename(inside, filepath.Join(b.outside, "Leaving.nsp")))
	eventually.Holds(t, patience, "handle_file_deleted", func() bool { return b.events("deleted") == 1 })
	require.Equal(t, []map[string]string{{"library_path": b.lib, "filepath": inside}},
		b.argsOf(t, pipeline.HandleFileDeleted))

	arriving := filepath.Join(b.outside, "Arriving.xci")
	writeFile(t, arriving, "another game")
	require.NoError(t, os.Rename(arriving, filepath.Join(b.lib, "Arriving.xci")))
	eventually.Holds(t, patience, "handle_file_added", func() bool { return b.events("added") == 1 })
	require.Zero(t, b.events("moved"))
}

func TestDeleteIsForwarded(t *testing.T) {
	t.Parallel()
	var path string
	b := setup(t, func(lib string) {
		path = filepath.Join(lib, "sub", "Game.nsz")
		writeFile(t, path, "game")
	})
	require.NoError(t, os.Remove(path))
	eventually.Holds(t, patience, "handle_file_deleted", func() bool { return b.events("deleted") == 1 })
	require.Equal(t, []map[string]string{{"library_path": b.lib, "filepath": path}},
		b.argsOf(t, pipeline.HandleFileDeleted))
}

func TestRenamedFolderMovesItsFiles(t *testing.T) {
	t.Parallel()
	b := setup(t, func(lib string) {
		writeFile(t, filepath.Join(lib, "Old", "One.nsp"), "1")
		writeFile(t, filepath.Join(lib, "Old", "deeper", "Two.nsp"), "22")
	})
	require.NoError(t, os.Rename(filepath.Join(b.lib, "Old"), filepath.Join(b.lib, "New")))
	eventually.Holds(t, patience, "two moves", func() bool { return b.events("moved") == 2 })
	require.ElementsMatch(t, []map[string]string{
		{"library_path": b.lib, "src": filepath.Join(b.lib, "Old", "One.nsp"), "dest": filepath.Join(b.lib, "New", "One.nsp")},
		{"library_path": b.lib, "src": filepath.Join(b.lib, "Old", "deeper", "Two.nsp"), "dest": filepath.Join(b.lib, "New", "deeper", "Two.nsp")},
	}, b.argsOf(t, pipeline.HandleFileMoved))

	// The folder is watched under its new name, and no longer under the old one.
	require.NotContains(t, b.watcher.Directories(), filepath.Join(b.lib, "Old"))
	writeFile(t, filepath.Join(b.lib, "New", "deeper", "Three.nsp"), "333")
	eventually.Holds(t, patience, "a file in the renamed folder", func() bool { return b.events("added") == 1 })
	require.Equal(t, filepath.Join(b.lib, "New", "deeper", "Three.nsp"),
		b.argsOf(t, pipeline.HandleFileAdded)[0]["filepath"])
	require.Zero(t, b.events("deleted"))
}

func TestTheOrganizersMovesAreIgnored(t *testing.T) {
	t.Parallel()
	var src string
	b := setup(t, func(lib string) {
		src = filepath.Join(lib, "Unsorted.nsp")
		writeFile(t, src, "game")
	})
	dest := filepath.Join(b.lib, "Title", "Title [v0].nsp")
	require.NoError(t, catalog.AddIgnoredEvent(b.db, src, dest, time.Minute))
	require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
	require.NoError(t, os.Rename(src, dest))

	eventually.Holds(t, patience, "the ignored events", func() bool { return testutil.ToFloat64(b.metrics.Ignored) >= 2 })
	quiet()
	require.Zero(t, b.events("moved"))
	require.Zero(t, b.events("added"))
	require.Zero(t, b.events("deleted"))
}

func TestLibraryFoldersFollowTheSettings(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	second := filepath.Join(b.outside, "second")
	require.NoError(t, os.MkdirAll(second, 0o755))
	_, err := b.settings.Update(mustJSON(t, map[string]any{"library": map[string]any{"paths": []string{second}}}))
	require.NoError(t, err)

	eventually.Holds(t, patience, "a scan of the new library", func() bool { return len(b.argsOf(t, pipeline.ScanLibrary)) == 2 })
	require.Equal(t, second, b.argsOf(t, pipeline.ScanLibrary)[1]["library_path"])
	eventually.Holds(t, patience, "the old library dropped", func() bool { return !slices.Contains(b.watcher.Directories(), b.lib) })

	writeFile(t, filepath.Join(b.lib, "Dropped.nsp"), "x")
	added := filepath.Join(second, "Kept.nsp")
	writeFile(t, added, "y")
	eventually.Holds(t, patience, "the file in the new library", func() bool { return b.events("added") == 1 })
	quiet()
	require.Equal(t, []map[string]string{{"library_path": second, "filepath": added}},
		b.argsOf(t, pipeline.HandleFileAdded))
}

func TestMissingLibraryIsWatchedOnceItAppears(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	later := filepath.Join(b.outside, "not-yet")
	_, err := b.settings.Update(mustJSON(t, map[string]any{"library": map[string]any{"paths": []string{b.lib, later}}}))
	require.NoError(t, err)
	quiet()
	require.Len(t, b.argsOf(t, pipeline.ScanLibrary), 1, "no scan of a folder that does not exist")

	require.NoError(t, os.MkdirAll(later, 0o755))
	eventually.Holds(t, patience, "the scan of the folder that appeared", func() bool { return len(b.argsOf(t, pipeline.ScanLibrary)) == 2 })
	writeFile(t, filepath.Join(later, "Game.nsp"), "x")
	eventually.Holds(t, patience, "the file in it", func() bool { return b.events("added") == 1 })
}

func TestFolderMovedIntoANewFolderIsAMove(t *testing.T) {
	t.Parallel()
	b := setup(t, func(lib string) {
		writeFile(t, filepath.Join(lib, "Title", "Game.nsp"), "game")
	})
	// The new folder and the move come together: the folder may be listed before the move is seen.
	dest := filepath.Join(b.lib, "Sorted", "Title")
	require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
	require.NoError(t, os.Rename(filepath.Join(b.lib, "Title"), dest))

	eventually.Holds(t, patience, "handle_file_moved", func() bool { return b.events("moved") == 1 })
	require.Equal(t, []map[string]string{{"library_path": b.lib,
		"src": filepath.Join(b.lib, "Title", "Game.nsp"), "dest": filepath.Join(dest, "Game.nsp")}},
		b.argsOf(t, pipeline.HandleFileMoved))
	quiet()
	require.Zero(t, b.events("added"))
	require.Zero(t, b.events("deleted"))
}
