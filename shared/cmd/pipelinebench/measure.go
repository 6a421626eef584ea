package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
)

// result is one measured setup.
type result struct {
	files, procs, slots   int
	organizer             bool
	backend               string
	walk, first, rescan   time.Duration
	identified, organized int
	// peakRSS is the largest worker process's peak resident set; tasks the
	// latencies of GET /api/tasks during the first scan (sorted), and
	// tasksErrors how many of those requests failed.
	peakRSS     int64
	tasks       []time.Duration
	tasksErrors int
}

func (r result) print(c config) {
	rate := func(d time.Duration) float64 { return float64(r.files) / d.Seconds() }
	org := "off"
	if r.organizer {
		org = "on"
	}
	fmt.Printf("pipeline %s, %d files, %d worker process(es) × %d slots, organizer %s: first scan %.0f files/s (%s), rescan %.0f files/s (%s); walk+stat alone %.0f files/s\n",
		r.backend, r.files, r.procs, r.slots, org, rate(r.first), r.first.Round(time.Millisecond),
		rate(r.rescan), r.rescan.Round(time.Millisecond), rate(r.walk))
	fmt.Printf("  %d identified, %d organized; worker peak RSS %.1f MB; GET /api/tasks during the first scan: %d requests, p50 %s, p99 %s, max %s, %d failed\n",
		r.identified, r.organized, float64(r.peakRSS)/(1<<20), len(r.tasks),
		percentile(r.tasks, 0.50).Round(10*time.Microsecond), percentile(r.tasks, 0.99).Round(10*time.Microsecond),
		percentile(r.tasks, 1).Round(10*time.Microsecond), r.tasksErrors)
}

// measure runs the chain twice over a fresh library and database: the
// first scan, then the rescan of the unchanged library.
func measure(ctx context.Context, c config, files []pipelinetest.File, titledbURL string, procs int, organizer bool) (result, error) {
	r := result{files: len(files), procs: procs, organizer: organizer, backend: "sqlite"}
	base, err := os.MkdirTemp("", "pipelinebench-")
	if err != nil {
		return r, err
	}
	if !c.keep {
		defer os.RemoveAll(base)
	}
	lib, data := filepath.Join(base, "library"), filepath.Join(base, "data")
	if err := pipelinetest.Write(lib, files); err != nil {
		return r, err
	}
	if r.walk, err = walkAndStat(lib); err != nil {
		return r, err
	}

	s := settings.Default()
	s.Library.Paths = []string{lib}
	s.Library.Management.Organizer.Enabled = organizer
	s.Library.Management.Organizer.RemoveEmptyFolders = organizer
	s.TitleDB.URL = titledbURL
	s.Scheduler.ScanInterval = "0"
	if c.slots > 0 {
		s.Worker.Slots = c.slots
	}
	r.slots = s.Worker.Slots
	if err := os.MkdirAll(data, 0o755); err != nil {
		return r, err
	}
	if err := settings.Save(filepath.Join(data, "settings.yaml"), s); err != nil {
		return r, err
	}
	dsn := filepath.Join(data, "shelf.db")
	if c.postgres != "" {
		r.backend = "postgres"
		var drop func()
		if dsn, drop, err = freshPostgres(ctx, c.postgres); err != nil {
			return r, err
		}
		defer drop()
	}
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return r, err
	}
	defer store.Close(db)
	log := slog.New(slog.DiscardHandler)
	mgr, err := settings.NewManager(filepath.Join(data, "settings.yaml"), log)
	if err != nil {
		return r, err
	}
	q := queue.New(db, registry(db, mgr, data, log), queue.Options{})

	var workers []*exec.Cmd
	for range procs {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PIPELINEBENCH_ROLE=worker", "PIPELINEBENCH_DB="+dsn, "PIPELINEBENCH_DATA="+data)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return r, err
		}
		workers = append(workers, cmd)
	}
	defer func() {
		for _, cmd := range workers {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}()
	apiBase, stopAPI, err := startAPI(c.apiBin, data, dsn)
	if err != nil {
		return r, err
	}
	defer stopAPI()
	p := startProbe(apiBase, 100*time.Millisecond)
	r.first, err = runChain(ctx, q, true)
	r.tasks, r.tasksErrors = p.stop()
	if err != nil {
		return r, err
	}
	if _, err := os.Stat(pipeline.LibraryIndexPath(data)); err != nil {
		return r, fmt.Errorf("no library index: %w", err)
	}
	if r.rescan, err = runChain(ctx, q, false); err != nil {
		return r, err
	}
	for _, cmd := range workers {
		if rss, err := peakRSS(cmd.Process.Pid); err == nil {
			r.peakRSS = max(r.peakRSS, rss)
		}
	}
	r.identified, r.organized, err = countFiles(db, lib)
	return r, err
}

// walkAndStat is the raw baseline: what a scan cannot be faster than.
func walkAndStat(root string) (time.Duration, error) {
	start := time.Now()
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			_, err = d.Info()
		}
		return err
	})
	return time.Since(start), err
}

// runChain starts the chain (settings saved → update_titledb) and returns
// how long until its update_titledb has finished, no top-level task is left
// unfinished (a fan-out's parent waits while any child is, and each step
// enqueues the next before it finishes) and, when newIndex, a new library
// index was generated. A rescan of the unchanged library need not generate
// one: the index would be the same.
func runChain(ctx context.Context, q *queue.Queue, newIndex bool) (time.Duration, error) {
	newest := func(st queue.Status, name string) (int64, error) {
		tasks, _, err := q.List(ctx, queue.Filter{Status: st, Name: name, Limit: 1})
		if err != nil || len(tasks) == 0 {
			return 0, err
		}
		return tasks[0].ID, nil
	}
	before, err := newest(queue.StatusCompleted, pipeline.GenerateLibrary)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := q.Enqueue(ctx, queue.NewParams(pipeline.UpdateTitleDBArgs{}))
	if err != nil {
		return 0, err
	}
	deadline := start.Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		// The index is the chain's last step: only once it is there is the
		// rest looked at, since every look costs the workers too.
		idle := true
		if newIndex {
			after, err := newest(queue.StatusCompleted, pipeline.GenerateLibrary)
			if err != nil {
				return 0, err
			}
			idle = after > before
		} else {
			first, err := q.Get(ctx, res.Task.ID)
			if err != nil {
				return 0, err
			}
			idle = first.Status == queue.StatusCompleted
		}
		for _, st := range []queue.Status{queue.StatusPending, queue.StatusRunning, queue.StatusWaitingForChildren} {
			if !idle {
				break
			}
			id, err := newest(st, "")
			if err != nil {
				return 0, err
			}
			idle = id == 0
		}
		if idle {
			return time.Since(start), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, errors.New("the pipeline did not finish in time")
}

// freshPostgres creates an empty database on the server at admin and
// returns its URL and a function that drops it.
func freshPostgres(ctx context.Context, admin string) (string, func(), error) {
	name := fmt.Sprintf("shelf_bench_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("creating the bench database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

// countFiles counts the library's identified files and those the organizer
// moved out of the generated bulk/ and updates/ folders.
func countFiles(db *gorm.DB, lib string) (identified, organized int, err error) {
	l, err := catalog.LibraryByPath(db, lib)
	if err != nil {
		return 0, 0, err
	}
	files, err := catalog.FilesInLibrary(db, l.ID)
	if err != nil {
		return 0, 0, err
	}
	bulk, updates := filepath.Join(lib, "bulk")+"/", filepath.Join(lib, "updates")+"/"
	for _, f := range files {
		if f.Identified {
			identified++
		}
		if !strings.HasPrefix(f.Path, bulk) && !strings.HasPrefix(f.Path, updates) {
			organized++
		}
	}
	return identified, organized, nil
}
