package worker_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/testprocess"
)

// loadDuration is short in `make test`; `make soak` sets SHELF_LOAD_DURATION=60s.
func loadDuration() string {
	if d := os.Getenv("SHELF_LOAD_DURATION"); d != "" {
		return d
	}
	return "4s"
}

func TestEightProcessesEnqueueingAndDrainingSeeNoBusyErrors(t *testing.T) {
	path, db, q := newDB(t)
	var procs []*testprocess.Process
	for i := 0; i < 8; i++ {
		procs = append(procs, startProcess(t, "load", path, "SHELF_TEST_DURATION="+loadDuration()))
	}
	reads := readTasksWhile(t, q)
	total := 0
	for _, p := range procs {
		require.NoError(t, p.Wait(), p.Stderr())
		var enqueued, errs int
		_, err := fmt.Sscan(strings.TrimSpace(p.Stdout()), &enqueued, &errs)
		require.NoError(t, err, p.Stdout())
		if errs > 0 {
			t.Logf("stdout: %q\nstderr: %q", p.Stdout(), p.Stderr())
		}
		require.Zero(t, errs, "errors reached a caller")
		require.NotContains(t, p.Stderr(), "database is locked")
		require.NotContains(t, p.Stderr(), "SQLITE_BUSY")
		total += enqueued
	}
	// Whatever the pools left pending, the queue is consistent: every task
	// is pending or completed, none stuck running.
	require.Equal(t, total, countWhere(t, db, "SELECT COUNT(*) FROM tasks"))
	require.Zero(t, countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status NOT IN ('pending', 'completed')"))
	t.Logf("8 processes enqueued %d tasks in %s; %d completed; %d db busy retries in this process",
		total, loadDuration(), countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status = 'completed'"), q.BusyRetries())
	lat := reads()
	require.NotEmpty(t, lat, "the api answered no read during the load")
	slices.Sort(lat)
	at := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	t.Logf("api under that load: %d GET /api/tasks answered, p50 %s p95 %s p99 %s max %s",
		len(lat), at(0.50), at(0.95), at(0.99), lat[len(lat)-1])
}

// readTasksWhile serves the api over q on a loopback port and reads task
// lists from it, as the web UI does, until the returned function is called;
// that function returns each read's latency. Every read must answer 200 with
// a task list: the api keeps answering while the queue is under load.
func readTasksWhile(t *testing.T, q *queue.Queue) func() []time.Duration {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	set, err := settings.NewManager(filepath.Join(t.TempDir(), "settings.yaml"), log)
	require.NoError(t, err)
	app := api.New(api.Options{Queue: q, DB: q.DB(), Settings: set, DataDir: t.TempDir(), Logger: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })

	base := "http://" + ln.Addr().String()
	paths := []string{"/api/tasks?limit=50", "/api/tasks?status=pending&limit=50", "/api/tasks?status=completed&limit=50"}
	stop := make(chan struct{})
	var (
		wg   sync.WaitGroup
		lat  []time.Duration
		errs []string
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: time.Minute}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			resp, err := client.Get(base + paths[i%len(paths)])
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			var body struct {
				Tasks []json.RawMessage `json:"tasks"`
			}
			decodeErr := json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			lat = append(lat, time.Since(start))
			if resp.StatusCode != http.StatusOK || decodeErr != nil || body.Tasks == nil {
				errs = append(errs, fmt.Sprintf("%s: HTTP %d, %v", paths[i%len(paths)], resp.StatusCode, decodeErr))
			}
		}
	}()
	return func() []time.Duration {
		close(stop)
		wg.Wait()
		require.Empty(t, errs, "reads that failed under load")
		return lat
	}
}
