//go:build e2e

package systemtest

// The container end-to-end test (`make e2e`): deploy/compose.yaml with the api, three worker
// replicas and the watcher, built FROM scratch from this tree's static binaries, checked through
// the REST API, Docker and Prometheus. deploy/e2e/run.sh builds the images, runs this test and
// removes everything afterwards. Each check is a subtest; a failing one does not stop the next.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/servicetest"
)

func TestE2EContainers(t *testing.T) {
	s := startStack(t)
	t.Run("enqueueing needs the api token", s.checkTokenRequired)
	t.Run("a fan-out of 3000 runs on every worker replica and its continuation once", s.checkFanoutAllReplicas)
	t.Run("a worker killed mid fan-out loses no task", func(t *testing.T) { s.checkKillMidFanout(t, false, 1500) })
	t.Run("a worker killed and restarted at once loses no task", func(t *testing.T) { s.checkKillMidFanout(t, true, 1501) })
	t.Run("scaling workers 3 to 1 to 4 during a fan-out loses nothing", s.checkScale)
	t.Run("every replica follows worker.slots set through the api", s.checkSlots)
	t.Run("the library pipeline indexes the sample library", s.checkLibrary)
	t.Run("the api container serves the web UI", s.checkWebUI)
	t.Run("Prometheus scrapes every target and every dashboard query has data", s.checkMonitoring)
	t.Run("docker-compose stop with tasks running exits 0 and leaves none running", s.checkStop)
}

// Each check gets its own *testing.T: the stack's helpers report to the subtest that calls them.
func (s *stack) with(t *testing.T) *stack {
	c := *s
	c.t = t
	return &c
}

func (s *stack) checkTokenRequired(t *testing.T) {
	anonymous := &servicetest.API{Base: s.api.Base}
	_, err := anonymous.Enqueue(context.Background(), api.CreateTaskRequest{Name: diagnostic.Echo})
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, servicetest.HTTPStatusOf(err), "%v", err)
}

func (s *stack) checkFanoutAllReplicas(t *testing.T) {
	s = s.with(t)
	id := s.fanout(3000, servicetest.NewTask(diagnostic.SleepArgs{Seconds: 0.02}))
	t.Logf("fan-out %d: 3000 sleep children (0.02 s each)", id)
	require.True(t, s.waitFinished(id, 4*time.Minute), "fan-out %d did not finish in 240 s: %s", id, s.progress(id))
	kids, err := servicetest.CheckFanoutCompleted(context.Background(), s.api, id, 3000)
	require.NoError(t, err)
	per := byWorkerContainer(kids)
	for _, c := range s.workers() {
		require.Positive(t, per[c], "worker container %s ran none of the 3000 children (per container: %v)", c, per)
	}
	t.Logf("3000/3000 children completed by %d worker containers (%v); fanout_done ran once", len(per), per)
}

// workerContainer is the container a worker id names: worker-<hostname>-<pid>-<random>, and a
// container's hostname is its 12-character id.
var workerContainer = regexp.MustCompile(`^worker-([0-9a-f]{12})-`)

func byWorkerContainer(tasks []queue.Task) map[string]int {
	out := map[string]int{}
	for _, task := range tasks {
		if m := workerContainer.FindStringSubmatch(task.Worker); m != nil {
			out[m[1]]++
		}
	}
	return out
}

// checkKillMidFanout SIGKILLs one worker while a fan-out of n runs; with restart the same
// container starts again at once, as restart: unless-stopped does after a crash (same hostname
// and pid). The tasks the killed worker held must be taken over by the others once their lease
// expires, while the fan-out runs on, and everything completes.
func (s *stack) checkKillMidFanout(t *testing.T, restart bool, n int) {
	s = s.with(t)
	s.ensureWorkers(3)
	id := s.fanout(n, servicetest.NewTask(diagnostic.SleepArgs{Seconds: 0.1}))
	t.Logf("fan-out %d: %d sleep children (0.1 s each)", id, n)
	s.waitProgress(id, n/10, 2*time.Minute)
	victim := s.workers()[0]
	s.mustDocker("kill", victim)
	s.mustDocker("wait", victim)
	killed := time.Now()
	// What the dead process held: its running tasks now (it cannot finish them any more).
	var held []int64
	for _, task := range s.children(id, queue.StatusRunning) {
		if m := workerContainer.FindStringSubmatch(task.Worker); m != nil && m[1] == victim {
			held = append(held, task.ID)
		}
	}
	t.Logf("killed %s, which held tasks %v, at %s", victim, held, s.progress(id))
	require.NotEmpty(t, held, "worker %s held no task of fan-out %d when it was killed; nothing to take over", victim, id)
	if restart {
		s.mustDocker("start", victim)
		t.Logf("started %s again (same container: same hostname, pid 1)", victim)
	}
	// Taken over: no longer running on its first claim (rescued, then run again by someone).
	takenOver := func() bool {
		for _, h := range held {
			res, err := s.api.Task(context.Background(), h)
			if err != nil || (res.Task.Status == queue.StatusRunning && res.Task.Attempts <= 1) {
				return false
			}
		}
		return true
	}
	if !eventually.Within(e2eLease+10*time.Second, time.Second, takenOver) {
		var states []string
		for _, h := range held {
			task := s.task(h)
			states = append(states, fmt.Sprintf("%d: %s on %s, attempt %d", h, task.Status, task.Worker, task.Attempts))
		}
		why := fmt.Sprintf("the killed worker's tasks were still running on their first claim %s after the kill (lease %s): %s",
			time.Since(killed).Round(time.Second), e2eLease, strings.Join(states, "; "))
		if restart {
			// Who keeps them alive? Remove the restarted container: if nobody renews those leases
			// any more, the other workers rescue them.
			s.mustDocker("rm", "-f", victim)
			if eventually.Within(e2eLease+15*time.Second, time.Second, takenOver) {
				why += "; taken over once the restarted container was removed: the restarted process still renews its dead predecessor's leases"
			}
		}
		s.waitFinished(id, 150*time.Second)
		t.Fatalf("%s; fan-out: %s", why, s.progress(id))
	}
	waited := time.Since(killed).Round(time.Second)
	t.Logf("the killed worker's tasks were taken over after %s at %s", waited, s.progress(id))
	require.True(t, s.waitFinished(id, 150*time.Second), "did not finish within 150 s after SIGKILL of %s: %s", victim, s.progress(id))
	kids, err := servicetest.CheckFanoutCompleted(context.Background(), s.api, id, n)
	require.NoError(t, err)
	rescues := 0.0
	for _, c := range s.workers() {
		if m, err := s.containerMetrics(c); err == nil {
			v, _ := m.Sum("shelf_lease_rescues_total")
			rescues += v
		}
	}
	t.Logf("killed %s holding %d tasks at >= %d/%d done; taken over after %s (lease %s); %d/%d completed, %d ran twice; "+
		"lease rescues counted by the live workers: %.0f; fanout_done ran once",
		victim, len(held), n/10, n, waited, e2eLease, n, n, retried(kids), rescues)
}

func retried(tasks []queue.Task) int {
	n := 0
	for _, task := range tasks {
		if task.Attempts > 1 {
			n++
		}
	}
	return n
}

func (s *stack) checkScale(t *testing.T) {
	s = s.with(t)
	s.ensureWorkers(3)
	id := s.fanout(2000, servicetest.NewTask(diagnostic.SleepArgs{Seconds: 0.05}))
	t.Logf("fan-out %d: 2000 sleep children (0.05 s each)", id)
	s.waitProgress(id, 300, 2*time.Minute)
	t.Logf("scaling to 1 worker at %s", s.progress(id))
	s.scaleWorkers(1)
	require.Len(t, s.workers(), 1)
	at1 := s.task(id).Children.Completed
	time.Sleep(3 * time.Second) // one worker alone for a while, before the scale up
	t.Logf("scaling to 4 workers at %s", s.progress(id))
	s.scaleWorkers(4)
	s.waitHealthy("worker", 4, 90*time.Second)
	require.True(t, s.waitFinished(id, 4*time.Minute), "did not finish in 240 s after scaling: %s", s.progress(id))
	kids, err := servicetest.CheckFanoutCompleted(context.Background(), s.api, id, 2000)
	require.NoError(t, err)
	workers := map[string]bool{}
	for _, k := range kids {
		workers[k.Worker] = true
	}
	t.Logf("scaled 3 -> 1 at %d done, -> 4 later; 2000/2000 completed by %d distinct workers, %d ran twice; fanout_done ran once",
		at1, len(workers), retried(kids))
}

// slots is each running worker's shelf_worker_slots (-1 when it could not be read).
func (s *stack) slots() map[string]float64 {
	out := map[string]float64{}
	for _, c := range s.workers() {
		out[c] = -1
		if m, err := s.containerMetrics(c); err == nil {
			if v, ok := m.Sum("shelf_worker_slots"); ok {
				out[c] = v
			}
		}
	}
	return out
}

func (s *stack) checkSlots(t *testing.T) {
	s = s.with(t)
	ctx := context.Background()
	before := s.slots()
	require.NotEmpty(t, before, "worker replicas to follow the setting")
	for _, n := range []int{3, 5} {
		_, err := s.api.PutSettings(ctx, map[string]any{"worker": map[string]any{"slots": n}})
		require.NoError(t, err)
		got, err := s.api.Settings(ctx)
		require.NoError(t, err)
		require.Equal(t, n, got.Worker.Slots, "GET /api/settings after PUT worker.slots=%d", n)
		allAt := func() bool {
			for _, v := range s.slots() {
				if v != float64(n) {
					return false
				}
			}
			return true
		}
		require.True(t, eventually.Within(30*time.Second, time.Second, allAt),
			"after PUT worker.slots=%d: %v (before: %v)", n, s.slots(), before)
		t.Logf("worker.slots=%d: %v", n, s.slots())
	}
	t.Logf("%d replicas followed worker.slots 3 then 5 within 30 s each (before: %v)", len(before), before)
}

func (s *stack) checkLibrary(t *testing.T) {
	s = s.with(t)
	ctx := context.Background()
	files := 0
	require.NoError(t, filepath.Walk(s.library, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			files++
		}
		return err
	}))
	set, err := s.api.Settings(ctx)
	require.NoError(t, err)
	require.Contains(t, set.Library.Paths, "/library", "library.paths holds the image's /library")
	scan, err := s.api.Scan(ctx, "")
	require.NoError(t, err)
	require.NotEmpty(t, scan.Tasks)
	t.Logf("%d scan task(s) over %d sample files", len(scan.Tasks), files)
	for _, task := range scan.Tasks {
		require.True(t, s.waitFinished(task.ID, 5*time.Minute), "scan task %d unfinished after 300 s: %s", task.ID, s.progress(task.ID))
		done := s.task(task.ID)
		require.Equal(t, queue.StatusCompleted, done.Status, "the library pipeline failed: scan task %d: %s", task.ID, done.Error)
	}
	var lastErr error
	require.True(t, eventually.Within(3*time.Minute, time.Second, func() bool {
		_, lastErr = s.api.Library(ctx)
		return lastErr == nil
	}), "GET /api/library has no index 180 s after the scan: %v", lastErr)
	idx, err := s.api.Library(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, idx.Titles, "GET /api/library lists titles")
	t.Logf("scan completed (result %s); GET /api/library lists %d titles, e.g. %s, generated %s",
		s.task(scan.Tasks[0].ID).Result, len(idx.Titles), idx.Titles[0].Name, idx.GeneratedAt)
}

// The api image serves the embedded web UI: the page and every file it refers to, with the
// right content type (the browser test in services/api covers what the page does).
func (s *stack) checkWebUI(t *testing.T) {
	page := s.get(t, "/")
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "<title>shelf</title>", "GET / is the web UI")
	refs := regexp.MustCompile(`(?:src|href)="([^"#]+)"`).FindAllStringSubmatch(page.body, -1)
	require.NotEmpty(t, refs)
	want := map[string]string{".js": "javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json"}
	var bad []string
	for _, ref := range refs {
		r := s.get(t, "/"+strings.TrimPrefix(ref[1], "/"))
		kind, known := want[filepath.Ext(ref[1])]
		if r.status != http.StatusOK || !known || !strings.Contains(r.contentType, kind) {
			bad = append(bad, ref[1]+" ("+strconv.Itoa(r.status)+" "+r.contentType+")")
		}
	}
	require.Empty(t, bad, "the web UI's files are missing or have the wrong type")
	t.Logf("GET / serves the web UI and the %d files it refers to", len(refs))
}

type answer struct {
	status      int
	contentType string
	body        string
}

// get fetches path from the api without a token, as a browser's first request does.
func (s *stack) get(t *testing.T, path string) answer {
	t.Helper()
	resp, err := servicetest.Client.Get(s.api.Base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b.String()}
}

func (s *stack) checkStop(t *testing.T) {
	s = s.with(t)
	ctx := context.Background()
	reps := len(s.workers())
	set, err := s.api.Settings(ctx)
	require.NoError(t, err)
	slots := set.Worker.Slots
	// Longer than the grace period, so the workers must hand them back.
	n := reps*slots + 4
	id := s.fanout(n, servicetest.NewTask(diagnostic.SleepArgs{Seconds: 60}))
	require.True(t, eventually.Within(90*time.Second, time.Second, func() bool {
		return len(s.children(id, queue.StatusRunning)) >= reps*slots
	}), "the 60 s tasks did not start on every slot: %s", s.progress(id))
	t.Logf("%d tasks running; docker-compose stop", len(s.children(id, queue.StatusRunning)))
	start := time.Now()
	s.mustCompose("stop")
	took := time.Since(start).Round(time.Second)
	var notClean []string
	for _, svc := range []string{"api", "worker", "watcher"} {
		for _, c := range s.containers(svc, true) {
			state := s.mustDocker("inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Running}}", c)
			if state != "0 false false" {
				notClean = append(notClean, svc+"/"+c+"="+state)
			}
		}
	}
	require.Empty(t, notClean, "after stop (%s), containers not exited 0 (exit code, OOM, running)", took)
	// The api alone, so that no worker claims anything while we look.
	s.mustCompose("start", "api")
	s.waitReady(time.Minute)
	m, err := s.api.Metrics(ctx)
	require.NoError(t, err)
	running, _ := m.Sum("shelf_tasks", "status", string(queue.StatusRunning))
	pending := len(s.children(id, queue.StatusPending))
	require.Zero(t, running, "stop took %s, exit codes 0, but tasks are still running (%d of them children of %d, which has %d pending)",
		took, len(s.children(id, queue.StatusRunning)), id, pending)
	t.Logf("stop took %s (grace %s), api/%d workers/watcher exited 0; no task running afterwards, %d of %d children handed back to pending",
		took, e2eGrace, reps, pending, n)
}
