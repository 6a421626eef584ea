package pipeline

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/testprocess"
	"github.com/shelfhq/shelf/shared/titledb"
	"github.com/shelfhq/shelf/shared/worker"
)

// The test binary doubles as a worker process for the multi-process tests:
// with SHELF_TEST_ROLE=worker it runs a real worker pool with the pipeline
// on the database SHELF_TEST_DB and the data folder SHELF_TEST_DATA.
func TestMain(m *testing.M) {
	testprocess.Main(m, map[string]func() int{"worker": runWorkerProcess})
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func runWorkerProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if d := envDuration("SHELF_TEST_SLOW_MOVE", 0); d > 0 {
		afterMove = func(string, string) { time.Sleep(d) }
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, os.Getenv("SHELF_TEST_DB"), store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	data := os.Getenv("SHELF_TEST_DATA")
	mgr, err := settings.NewManager(filepath.Join(data, "settings.yaml"), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q := queue.New(db, registry(db, mgr, data, log), queue.Options{LeaseTimeout: envDuration("SHELF_TEST_LEASE", 30*time.Second),
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }})
	slots, _ := strconv.Atoi(os.Getenv("SHELF_TEST_SLOTS"))
	pool := worker.New(q, worker.Config{Slots: max(slots, 1), GracePeriod: 5 * time.Second, Logger: log})
	if err := pool.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// registry is what every test process registers: the pipeline with a short
// generate_library debounce, so tests wait a fraction of a second for it.
func registry(db *gorm.DB, mgr *settings.Manager, data string, log *slog.Logger) *queue.Registry {
	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	Register(reg, Deps{DB: db, Settings: mgr, DataDir: data, Logger: log,
		GenerateDelay: 200 * time.Millisecond, GenerateMaxWait: 5 * time.Second})
	return reg
}

// bundle is one test's world: a data folder with settings.yaml, a library
// folder, a fresh database and a queue with the pipeline registered.
type bundle struct {
	dsn, data, lib string
	db             *gorm.DB
	mgr            *settings.Manager
	q              *queue.Queue
	log            *slog.Logger
	sample         *titledb.DB
}

// setup makes a bundle; edit adjusts the settings (the library folder is
// already in library.paths, periodic scans are off).
func setup(t *testing.T, edit func(*settings.Settings)) *bundle {
	t.Helper()
	base := t.TempDir()
	b := &bundle{data: filepath.Join(base, "data"), lib: filepath.Join(base, "library")}
	require.NoError(t, os.MkdirAll(b.data, 0o755))
	require.NoError(t, os.MkdirAll(b.lib, 0o755))
	s := settings.Default()
	s.TitleDB.URL = "" // the bundled sample: tests stay offline
	s.Library.Paths = []string{b.lib}
	s.Scheduler.ScanInterval = "0"
	s.Worker.Slots = 4
	if edit != nil {
		edit(&s)
	}
	require.NoError(t, settings.Save(filepath.Join(b.data, "settings.yaml"), s))
	b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		b.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var err error
	b.mgr, err = settings.NewManager(filepath.Join(b.data, "settings.yaml"), b.log)
	require.NoError(t, err)
	b.dsn, b.db = storetest.Open(t)
	b.q = queue.New(b.db, registry(b.db, b.mgr, b.data, b.log), queue.Options{
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	b.sample, err = titledb.LoadSample()
	require.NoError(t, err)
	return b
}

// writeSample fills the library with the sample library and returns it.
func (b *bundle) writeSample(t *testing.T) []pipelinetest.File {
	t.Helper()
	files := pipelinetest.SampleLibrary(b.sample, 1)
	require.NoError(t, pipelinetest.Write(b.lib, files))
	return files
}

// startPool runs an in-process worker pool until the test ends.
func (b *bundle) startPool(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool := worker.New(b.q, worker.Config{Slots: 4, GracePeriod: 5 * time.Second, Logger: b.log,
		PollInterval: 20 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

// enqueue adds a task.
func (b *bundle) enqueue(t *testing.T, args queue.Args) queue.Task {
	t.Helper()
	res, err := b.q.Enqueue(context.Background(), queue.NewParams(args))
	require.NoError(t, err)
	return res.Task
}

// startChain starts the full chain as Startup and the periodic run do: a
// pending update_titledb absorbs a second request.
func (b *bundle) startChain() error {
	_, err := b.q.Enqueue(context.Background(), queue.NewParams(UpdateTitleDBArgs{}))
	return err
}

// waitIdle waits until no task is pending, running or waiting for
// children: the work enqueued so far and everything it caused is done.
func (b *bundle) waitIdle(t *testing.T) {
	t.Helper()
	eventually.Holds(t, patience, "the queue to drain", func() bool {
		return count(t, b.db, `SELECT COUNT(*) FROM tasks WHERE status IN ('pending', 'running', 'waiting_for_children')`) == 0
	})
}

// run enqueues a task, waits for the queue to drain and returns the task.
func (b *bundle) run(t *testing.T, args queue.Args) queue.Task {
	t.Helper()
	task := b.enqueue(t, args)
	b.waitIdle(t)
	got, err := b.q.Get(context.Background(), task.ID)
	require.NoError(t, err)
	return got
}

// tasksNamed counts the tasks of a name, in any status.
func (b *bundle) tasksNamed(t *testing.T, name string) int {
	return count(t, b.db, `SELECT COUNT(*) FROM tasks WHERE name = ?`, name)
}

func count(t *testing.T, db *gorm.DB, query string, args ...any) int {
	t.Helper()
	var n int64
	require.NoError(t, db.Raw(query, args...).Scan(&n).Error)
	return int(n)
}

// patience bounds every wait of these tests: generous, because a shared machine may be slow
// and the tests check behaviour, not speed.
const patience = 3 * time.Minute

func (b *bundle) file(t *testing.T, path string) catalog.File {
	t.Helper()
	f, err := catalog.FileByPath(b.db, path)
	require.NoError(t, err, "catalog row of %s", path)
	return f
}

var idInName = regexp.MustCompile(`\[([0-9A-F]{16})\]\[v(\d+)\]`)

// expectedPath is where the default templates put a sample file, worked
// out independently of the organizer's code.
func (b *bundle) expectedPath(t *testing.T, rel string) string {
	t.Helper()
	m := idInName.FindStringSubmatch(filepath.Base(rel))
	require.NotNil(t, m, rel)
	appID := m[1]
	kind, titleID, ok := b.sample.AppType(appID, 0)
	require.True(t, ok, appID)
	title, ok := b.sample.Title(titleID)
	require.True(t, ok)
	name := title.Name
	if kind == titledb.KindDLC {
		if dlc, ok := b.sample.Title(appID); ok {
			name = dlc.Name
		}
	}
	ext := filepath.Ext(rel)
	return filepath.Join(b.lib, title.Name, fmt.Sprintf("%s [%s][v%s]%s", name, appID, m[2], ext))
}

// contents maps the content of every file under dir to its path, failing
// on two files with the same content (a file copied instead of moved).
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		prev, dup := out[string(data)]
		require.False(t, dup, "%s and %s hold the same content", prev, path)
		out[string(data)] = path
		return nil
	}))
	return out
}

// requestLog records the conditional headers of the requests a test server
// answered.
type requestLog struct {
	mu          sync.Mutex
	requests    int
	conditional int
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	if r.Header.Get("If-Modified-Since") != "" || r.Header.Get("If-None-Match") != "" {
		l.conditional++
	}
}

func (l *requestLog) counts() (requests, conditional int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.requests, l.conditional
}
