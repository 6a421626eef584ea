package systemtest

// The chaos soak: the real binaries (api, three workers, watcher) run the library pipeline and a
// stream of tasks on one data folder while a controller SIGKILLs and restarts them at random.
// Afterwards, with every process restarted and the queue drained, the queue's and the
// organizer's promises must hold. `make test` runs it for 30 s; `make soak` for
// SHELF_CHAOS_DURATION (see docs/RELIABILITY.md).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/keys"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/servicetest"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

// chaosLease is the lease timeout of every process: short, so a killed worker's tasks come back
// within seconds, and long enough that a busy machine's heartbeats (every lease/3) keep up.
const chaosLease = 4 * time.Second

// chaosSeed seeds every random choice of the controller and the client: SHELF_CHAOS_SEED, or
// the clock. The test logs it, so a failing run's kills and tasks can be replayed (the
// processes' own timing still varies).
func chaosSeed(t *testing.T) uint64 {
	raw := os.Getenv("SHELF_CHAOS_SEED")
	if raw == "" {
		return uint64(time.Now().UnixNano())
	}
	seed, err := strconv.ParseUint(raw, 10, 64)
	require.NoError(t, err, "SHELF_CHAOS_SEED")
	return seed
}

// chaosDuration is how long the controller kills processes: 30 s in `make test`,
// SHELF_CHAOS_DURATION under `make soak`.
func chaosDuration(t *testing.T) time.Duration {
	raw := os.Getenv("SHELF_CHAOS_DURATION")
	if raw == "" {
		return 30 * time.Second
	}
	d, err := time.ParseDuration(raw)
	require.NoError(t, err, "SHELF_CHAOS_DURATION")
	return d
}

func TestChaosKillingEveryProcessLosesNoTaskAndNoFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and kills them for 30 s; skipped with -short")
	}
	duration := chaosDuration(t)
	seed := chaosSeed(t)
	t.Logf("chaos for %s on %s, seed %d (SHELF_CHAOS_SEED=%d repeats the controller's and the client's choices)",
		duration, storetest.Describe(), seed, seed)
	w := newChaosWorld(t, duration, seed)

	w.startAll()
	w.waitReady()

	ctx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()
	var wg sync.WaitGroup
	for _, run := range []func(context.Context){w.enqueueStream, w.dropFiles, w.watchLeases} {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	w.killAtRandom(ctx)
	wg.Wait()

	// The end of the chaos: everything dies at once, then everything starts again and drains
	// what is left. The watcher's start-up scan finds what it missed while it was down.
	for _, s := range w.services() {
		s.kill()
	}
	w.startAll()
	w.waitReady()
	w.waitDrained()
	// One more scan of a calm library: it must find everything where the chaos left it and
	// change nothing.
	settled := manifest(t, w.library)
	eventually.Holds(t, deadline, "the api to accept a last scan", w.scan)
	w.waitDrained()
	require.Equal(t, settled, manifest(t, w.library), "the last scan moved nothing")
	for _, s := range w.services() {
		s.stop()
	}

	report := w.check()
	t.Logf("chaos report: %s", report)
}

// chaosWorld is one soak: the services, the library, the database the checks read, and what the
// controller did.
type chaosWorld struct {
	t        *testing.T
	base     string
	data     string
	library  string
	dsn      string
	db       *gorm.DB
	api      *chaosService
	client   *servicetest.API
	workers  []*chaosService
	watcher  *chaosService
	incoming []pipelinetest.File // files dropped into the library during the chaos
	seed     uint64

	mu       sync.Mutex
	expected map[string]string // content hash → the path it was written to first
	tracked  map[int64]string  // tasks the stream enqueued → their kind
	// byContent are the app ids of the files only their content names, sorted.
	byContent []string
	dropped   int

	enqueueFailures atomic.Int64 // requests the api could not answer (it was down)
	maxOverdue      atomic.Int64 // longest a running task was seen past its lease, in ms
}

func newChaosWorld(t *testing.T, duration time.Duration, seed uint64) *chaosWorld {
	w := &chaosWorld{t: t, base: t.TempDir(), seed: seed, expected: map[string]string{}, tracked: map[int64]string{}}
	w.data = filepath.Join(w.base, "data")
	w.library = filepath.Join(w.base, "library")
	require.NoError(t, os.MkdirAll(w.data, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(w.base, "staging"), 0o755))

	// A library of 300 files, and 10 more dropped in every 2 s of chaos.
	initial := 300
	drops := int(duration/(2*time.Second))*10 + 10
	files, tdb := pipelinetest.Synthetic(initial+drops+chaosByContent*4, 1)
	w.incoming = files[initial : initial+drops]
	// Base games only their content can name: real NSPs with meta NCAs encrypted under the
	// keys in the data folder, renamed by hand so the name holds no id.
	byContent, appIDs, keysText := contentIdentifiedFiles(t, files[initial+drops:], seed)
	w.byContent = appIDs
	require.NoError(t, os.WriteFile(filepath.Join(w.data, keys.FileName), keysText, 0o600))
	require.NoError(t, pipelinetest.Write(w.library, slices.Concat(files[:initial], byContent)))
	initial += len(byContent)
	// The manifest before: the hash of every file's bytes as written to disk, each unique, so
	// that the manifest after can tell a lost file from a duplicated one. The dropped files
	// join it as they appear.
	for hash, paths := range manifest(t, w.library) {
		require.Len(t, paths, 1, "the sample library's files have unique contents: %v", paths)
		rel, err := filepath.Rel(w.library, paths[0])
		require.NoError(t, err)
		w.expected[hash] = filepath.ToSlash(rel)
	}
	require.Len(t, w.expected, initial)
	for _, f := range w.incoming {
		_, taken := w.expected[hashOf(f.Content)]
		require.False(t, taken, "the file to drop %s has unique contents", f.Path)
	}

	// The title database comes from this process, as a mirror would serve it.
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		data, ok := tdb[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(rw, r)
			return
		}
		http.ServeContent(rw, r, path.Base(r.URL.Path), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)

	s := settings.Default()
	s.Library.Paths = []string{w.library}
	s.Library.Management.Organizer.Enabled = true
	s.Library.Management.Organizer.RemoveEmptyFolders = true
	s.TitleDB.URL = srv.URL
	// Periodic scans stay on (their next run waits in the queue, and every worker start asks
	// for it), but a whole interval never passes during the test.
	s.Scheduler.ScanInterval = "12h"
	s.Worker.Slots = 3
	require.NoError(t, settings.Save(filepath.Join(w.data, "settings.yaml"), s))

	w.dsn = storetest.NewDSN(t)
	db, err := store.Open(context.Background(), w.dsn, store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(db) })
	w.db = db
	servicetest.ShareSettings(t, db, s)

	bins := servicetest.Build(t)
	env := []string{"SHELF_DATA_DIR=" + w.data, "SHELF_DATABASE_URL=" + w.dsn, "SHELF_LOG_LEVEL=warn",
		"SHELF_LEASE_TIMEOUT=" + chaosLease.String(), "SHELF_GRACE_PERIOD=1s"}
	apiAddr := servicetest.FreeAddr(t)
	w.api = &chaosService{t: t, bins: bins, name: "api",
		env: func() []string { return append(env, "SHELF_HTTP_ADDR="+apiAddr) }}
	w.client = &servicetest.API{Base: "http://" + apiAddr}
	for range 3 {
		w.workers = append(w.workers, &chaosService{t: t, bins: bins, name: "worker",
			env: func() []string { return append(env, "SHELF_METRICS_ADDR="+servicetest.FreeAddr(t)) }})
	}
	w.watcher = &chaosService{t: t, bins: bins, name: "watcher",
		env: func() []string { return append(env, "SHELF_METRICS_ADDR="+servicetest.FreeAddr(t)) }}
	return w
}

func (w *chaosWorld) services() []*chaosService {
	return append([]*chaosService{w.api, w.watcher}, w.workers...)
}

func (w *chaosWorld) startAll() {
	for _, s := range w.services() {
		s.start()
	}
}

// killAtRandom is the controller: every 0.3–2 s it SIGKILLs a process, a worker four times in
// five, and starts it again after up to 1.5 s.
func (w *chaosWorld) killAtRandom(ctx context.Context) {
	rng := rand.New(rand.NewPCG(w.seed, 1))
	for sleepCtx(ctx, jitter(rng, 300*time.Millisecond, 2*time.Second)) {
		var victim *chaosService
		switch n := rng.IntN(10); {
		case n < 8:
			victim = w.workers[rng.IntN(len(w.workers))]
		case n < 9:
			victim = w.watcher
		default:
			victim = w.api
		}
		victim.kill()
		sleepCtx(ctx, jitter(rng, 0, 1500*time.Millisecond))
		victim.start()
	}
}

// enqueueStream sends tasks to the api as a client would: short ones, sleeps that a kill
// interrupts, failures that retry, fan-outs with continuations, and now and then a library scan.
func (w *chaosWorld) enqueueStream(ctx context.Context) {
	rng := rand.New(rand.NewPCG(w.seed, 2))
	for i := 0; sleepCtx(ctx, jitter(rng, 50*time.Millisecond, 250*time.Millisecond)); i++ {
		var req api.CreateTaskRequest
		switch i % 10 {
		case 0, 1, 2:
			req = api.CreateTaskRequest{Name: diagnostic.Echo, Args: servicetest.Args(map[string]any{"i": i})}
		case 3, 4, 5:
			req = servicetest.NewTask(diagnostic.SleepArgs{Seconds: 0.2 + 2*rng.Float64()})
		case 6:
			req = servicetest.NewTask(diagnostic.FailArgs{Message: fmt.Sprint("planned ", i)})
			req.MaxAttempts = 2
		case 7, 8:
			var a diagnostic.FanoutArgs
			a.Children = 10 + rng.IntN(40)
			a.Child.Name, a.Child.Args = diagnostic.Sleep, servicetest.Args(diagnostic.SleepArgs{Seconds: 0.05})
			if rng.IntN(2) == 0 {
				a.Child.Name, a.Child.Args = diagnostic.Echo, servicetest.Args(map[string]any{"from": i})
			}
			req = servicetest.NewTask(a)
		case 9:
			if i%50 == 9 {
				w.scan()
			}
			continue
		}
		if id, ok := w.enqueue(req); ok {
			w.mu.Lock()
			w.tracked[id] = req.Name
			w.mu.Unlock()
		}
	}
}

// dropFiles moves 10 new game files into the library every 2 s, each in one rename (as a
// finished copy appears), so that the watcher, the identifier and the organizer work during
// the chaos too.
func (w *chaosWorld) dropFiles(ctx context.Context) {
	for sleepCtx(ctx, 2*time.Second) {
		w.mu.Lock()
		batch := w.incoming[w.dropped:min(w.dropped+10, len(w.incoming))]
		w.dropped += len(batch)
		w.mu.Unlock()
		for _, f := range batch {
			rel := path.Join("incoming", path.Base(f.Path))
			staged := filepath.Join(w.base, "staging", path.Base(f.Path))
			dst := filepath.Join(w.library, filepath.FromSlash(rel))
			// Errorf, not require: this runs outside the test's goroutine.
			if err := errors.Join(os.WriteFile(staged, f.Content, 0o644), os.MkdirAll(filepath.Dir(dst), 0o755),
				os.Rename(staged, dst)); err != nil {
				w.t.Errorf("dropping %s into the library: %v", rel, err)
				return
			}
			w.mu.Lock()
			w.expected[hashOf(f.Content)] = rel
			w.mu.Unlock()
		}
	}
}

// watchLeases samples the running tasks twice a second and records how far past its lease the
// most overdue one was: a killed worker's tasks stay running until a live worker rescues them.
func (w *chaosWorld) watchLeases(ctx context.Context) {
	for sleepCtx(ctx, 500*time.Millisecond) {
		now := time.Now().UnixMicro()
		var oldest *int64
		if err := w.db.Raw(`SELECT MIN(lease_expires_at) FROM tasks WHERE status = 'running' AND lease_expires_at < ?`,
			now).Scan(&oldest).Error; err != nil || oldest == nil {
			continue
		}
		overdue := (now - *oldest) / 1000
		for prev := w.maxOverdue.Load(); overdue > prev && !w.maxOverdue.CompareAndSwap(prev, overdue); prev = w.maxOverdue.Load() {
		}
	}
}

// enqueue sends req to the api and returns the new task's id and whether the api accepted it.
// A request the api could not answer (it was just killed) is counted and dropped, as a client
// would retry it; an answer that blames the request fails the test.
func (w *chaosWorld) enqueue(req api.CreateTaskRequest) (int64, bool) {
	res, err := w.client.Enqueue(context.Background(), req)
	if !w.accepted("POST /api/tasks", err) {
		return 0, false
	}
	return res.Task.ID, true
}

// scan asks the api for a scan of every library, as enqueue does.
func (w *chaosWorld) scan() bool {
	_, err := w.client.Scan(context.Background(), "")
	return w.accepted("POST /api/library/scan", err)
}

func (w *chaosWorld) accepted(what string, err error) bool {
	switch status := servicetest.HTTPStatusOf(err); {
	case err == nil:
		return true
	case status == 0:
		w.enqueueFailures.Add(1)
	case status >= 500 || status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		// Errorf, not require: this runs outside the test's goroutine too.
		w.t.Errorf("%s: %v", what, err)
	}
	return false
}

// waitDrained waits until no task is pending, running or waiting for its children (but the
// next run of a periodic task, due in the future), twice in a row 3 s apart: the watcher may
// still be turning file events into tasks.
func (w *chaosWorld) waitDrained() {
	quiet := 0
	eventually.Holds(w.t, deadline, "the queue to drain after the chaos", func() bool {
		if w.count(`SELECT COUNT(*) FROM tasks WHERE status IN ('pending', 'running', 'waiting_for_children')
			AND NOT (status = 'pending' AND unique_key LIKE 'periodic:%' AND run_after > ?)`, time.Now().UnixMicro()) > 0 {
			quiet = 0
			return false
		}
		quiet++
		if quiet < 2 {
			time.Sleep(3 * time.Second)
			return false
		}
		return true
	})
}

func (w *chaosWorld) count(query string, args ...any) int {
	w.t.Helper()
	var n int64
	require.NoError(w.t, w.db.Raw(query, args...).Scan(&n).Error)
	return int(n)
}

// chaosTask is what the checks read of a task.
type chaosTask struct {
	ID           int64
	Name         string
	Status       string
	Args         string
	Error        *string
	Attempts     int
	ParentID     *int64
	Continuation *string
	CreatedAt    int64
	FinishedAt   *int64
	RunAfter     int64
	UniqueKey    *string
}

// queueTask is the row as the queue reads it, for the checks the api's tasks share.
func (c chaosTask) queueTask() queue.Task {
	t := queue.Task{ID: c.ID, Name: c.Name, Status: queue.Status(c.Status), Args: json.RawMessage(c.Args),
		ParentID: c.ParentID, CreatedAt: time.UnixMicro(c.CreatedAt)}
	if c.Continuation != nil {
		t.Continuation = *c.Continuation
	}
	if c.FinishedAt != nil {
		finished := time.UnixMicro(*c.FinishedAt)
		t.FinishedAt = &finished
	}
	return t
}

// check asserts every promise and returns the figures of the run.
func (w *chaosWorld) check() string {
	t := w.t
	var tasks []chaosTask
	var all []chaosTask
	require.NoError(t, w.db.Raw(`SELECT id, name, status, args, error, attempts, parent_id, continuation,
		created_at, finished_at, run_after, unique_key FROM tasks`).Scan(&all).Error)
	// The next run of each periodic task waits in the queue, once, in the future; every other
	// task is checked below.
	now := time.Now().UnixMicro()
	periodic := map[string]int{}
	for _, task := range all {
		if task.Status == "pending" && task.UniqueKey != nil && strings.HasPrefix(*task.UniqueKey, "periodic:") {
			require.Greater(t, task.RunAfter, now, "the periodic task %d (%s) waits for its period", task.ID, task.Name)
			periodic[task.Name]++
			continue
		}
		tasks = append(tasks, task)
	}
	require.Equal(t, map[string]int{"update_titledb": 1}, periodic, "one next run of each periodic task")
	byID := make(map[int64]chaosTask, len(tasks))
	children := map[int64][]chaosTask{}
	for _, task := range tasks {
		byID[task.ID] = task
		if task.ParentID != nil {
			children[*task.ParentID] = append(children[*task.ParentID], task)
		}
	}

	// Every task reached a final state, and none failed but on purpose or by running out of
	// attempts to kills.
	failures := map[string]int{}
	retries, pipelineRetries, leaseLost := 0, 0, 0
	for _, task := range tasks {
		if task.Error != nil && strings.Contains(*task.Error, "lease expired") {
			leaseLost++
		}
		require.Contains(t, []string{"completed", "failed", "cancelled"}, task.Status, "task %d (%s) is final", task.ID, task.Name)
		retries += max(task.Attempts-1, 0)
		if !diagnosticTasks[task.Name] {
			pipelineRetries += max(task.Attempts-1, 0)
		}
		if task.Status == "failed" {
			reason := "?"
			if task.Error != nil {
				reason = *task.Error
			}
			if !(task.Name == "fail" && strings.HasPrefix(reason, "planned ")) {
				failures[task.Name+": "+firstLine(reason)]++
			}
		}
	}
	for what, n := range failures {
		if !strings.Contains(what, "lease expired") {
			t.Errorf("%d× failed: %s", n, what)
		}
	}
	w.mu.Lock()
	for id, kind := range w.tracked {
		task, ok := byID[id]
		require.True(t, ok, "the %s task %d the api accepted is still there", kind, id)
		if kind == "fail" {
			require.Equal(t, "failed", task.Status, "task %d", id)
		}
	}
	tracked := len(w.tracked)
	w.mu.Unlock()

	// Each parent that completed has exactly one continuation, created after its last child
	// finished; no continuation exists twice.
	asQueued := make([]queue.Task, len(tasks))
	for i, task := range tasks {
		asQueued[i] = task.queueTask()
	}
	require.NoError(t, servicetest.CheckFanIn(asQueued))
	fanouts := 0
	for _, task := range tasks {
		if task.Name == "fanout" && task.Status == "completed" {
			fanouts++
		}
		if task.Name == "fanout_done" {
			require.Equal(t, "completed", task.Status, "the continuation %d completed", task.ID)
		}
	}

	// No task stayed running long past its lease while workers lived.
	overdue := time.Duration(w.maxOverdue.Load()) * time.Millisecond
	require.Less(t, overdue, deadline, "a task was left running %s past its lease", overdue)

	// Every file is in the library exactly once, organized, none half-copied: the manifest
	// after holds the same hashes as the one before, each once.
	onDisk := manifest(t, w.library)
	var gameFiles []string
	for _, paths := range onDisk {
		gameFiles = append(gameFiles, paths...)
	}
	w.mu.Lock()
	for hash, first := range w.expected {
		require.Len(t, onDisk[hash], 1, "the file first at %s is present exactly once: %v", first, onDisk[hash])
		rel, err := filepath.Rel(w.library, onDisk[hash][0])
		require.NoError(t, err)
		top := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		require.NotContains(t, []string{"bulk", "updates", "incoming"}, top, "%s was organized", rel)
	}
	require.Len(t, onDisk, len(w.expected), "no file appeared from nowhere")
	files := len(w.expected)
	w.mu.Unlock()

	// The catalog matches the disk: one row per file, at its path, identified.
	var rows []struct {
		Path       string
		Identified bool
	}
	require.NoError(t, w.db.Raw(`SELECT path, identified FROM files`).Scan(&rows).Error)
	var catalogued []string
	for _, r := range rows {
		catalogued = append(catalogued, r.Path)
		require.True(t, r.Identified, "%s is identified", r.Path)
	}
	sort.Strings(catalogued)
	sort.Strings(gameFiles)
	require.Equal(t, gameFiles, catalogued, "the catalog lists exactly the files on disk")

	// The files renamed by hand were identified by their content, each as the app it holds.
	var byContent []string
	require.NoError(t, w.db.Raw(`SELECT a.app_id FROM file_apps fa JOIN apps a ON a.id = fa.app_id
		WHERE fa.method = ? ORDER BY a.app_id`, identify.MethodCnmt).Scan(&byContent).Error)
	require.Equal(t, w.byContent, byContent, "the files only their content names are identified by it")

	// Processes write nothing alarming: no panic, no lock error reached a log.
	kills := map[string]int{}
	rescues := 0
	for _, s := range w.services() {
		kills[s.name] += s.kills
		for _, log := range s.logs() {
			require.NotContains(t, log, "panic:", "%s panicked", s.name)
			require.NotContains(t, log, "database is locked", "%s", s.name)
			for _, m := range rescueLine.FindAllStringSubmatch(log, -1) {
				n, _ := strconv.Atoi(m[1])
				rescues += n
			}
		}
	}
	require.Positive(t, kills["worker"], "the controller killed workers")
	return fmt.Sprintf("%d tasks (%d sent by the stream, %d requests refused while the api was down), %d fan-outs "+
		"each with one continuation, %d files (%d dropped during the chaos); kills: %d worker, %d watcher, %d api; "+
		"%d tasks rescued from killed workers (%d tasks last failed by an expired lease); %d retries (%d of library pipeline tasks); longest a task stayed running past its lease: %s; "+
		"failed by running out of attempts to kills: %d",
		len(tasks), tracked, w.enqueueFailures.Load(), fanouts, files, w.dropped, kills["worker"], kills["watcher"],
		kills["api"], rescues, leaseLost, retries, pipelineRetries, overdue.Round(time.Millisecond), sumValues(failures))
}

// chaosByContent is how many files of the library only content identification can name.
const chaosByContent = 12

// contentIdentifiedFiles turns up to chaosByContent base-game files of the synthetic library
// into real NSPs of the same app under random test keys, named "renamed by hand N.nsp" (no id
// for the file-name identifier), and returns them with their app ids (sorted) and the keys
// file's text.
func contentIdentifiedFiles(t *testing.T, candidates []pipelinetest.File, seed uint64) ([]pipelinetest.File, []string, []byte) {
	rng := rand.New(rand.NewPCG(seed, 0xc0ffee))
	enc := &contenttest.Encoder{Keys: contenttest.NewKeys(rng, 0), Rand: rng}
	var out []pipelinetest.File
	var ids []string
	for _, f := range candidates {
		m := baseDumpName.FindStringSubmatch(f.Path)
		if m == nil {
			continue
		}
		id, err := strconv.ParseUint(m[1], 16, 64)
		require.NoError(t, err)
		nsp := enc.NSP(contenttest.App{ID: id, Type: contenttest.Application})
		out = append(out, pipelinetest.File{Path: fmt.Sprintf("incoming/renamed by hand %d.nsp", len(out)+1), Content: nsp})
		ids = append(ids, m[1])
		if len(out) == chaosByContent {
			break
		}
	}
	require.NotEmpty(t, out)
	sort.Strings(ids)
	return out, ids, enc.Keys.Text()
}

var baseDumpName = regexp.MustCompile(`\[([0-9A-F]{12}0000)\]\[v0\]\.(nsp|xci|nsz)$`)

var diagnosticTasks = map[string]bool{"echo": true, "sleep": true, "fail": true, "fanout": true, "fanout_done": true}

var rescueLine = regexp.MustCompile(`msg="rescued tasks of a dead worker".* tasks=(\d+)`)

// chaosService is one service slot (the api, a worker, the watcher) whose process the
// controller kills and replaces.
type chaosService struct {
	t    *testing.T
	bins string
	name string
	env  func() []string

	mu    sync.Mutex
	proc  *servicetest.Process
	past  []*servicetest.Process
	kills int
}

func (s *chaosService) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.proc = servicetest.Start(s.t, s.bins, s.name, s.env()...)
	}
}

// kill sends SIGKILL, the one signal a process cannot clean up after, and reaps it.
func (s *chaosService) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.Signal(syscall.SIGKILL)
	_ = s.proc.Wait()
	s.past = append(s.past, s.proc)
	s.proc = nil
	s.kills++
}

// stop ends the process with SIGTERM and expects a clean exit.
func (s *chaosService) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	require.NoError(s.t, s.proc.Signal(syscall.SIGTERM))
	require.NoError(s.t, s.proc.Wait(), "shelf-%s exits 0 on SIGTERM; its log:\n%s", s.name, s.proc.Log())
	s.past = append(s.past, s.proc)
	s.proc = nil
}

func (s *chaosService) logs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, p := range s.past {
		out = append(out, p.Log())
	}
	return out
}

func (w *chaosWorld) waitReady() {
	eventually.Holds(w.t, deadline, "the api to answer", func() bool { return w.client.Ready(context.Background()) == nil })
}

// manifest hashes every file under root: content hash → the paths holding those bytes. A
// leftover partial copy of the organizer fails the test.
func manifest(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		require.False(t, organize.IsPartial(p), "a partial copy is left: %s", p)
		require.True(t, d.Type().IsRegular(), "only regular files in the library: %s", p)
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		out[hashOf(data)] = append(out[hashOf(data)], p)
		return nil
	}))
	return out
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf("%x", sum)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func jitter(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo+1)))
}

// sleepCtx sleeps for d and says whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
