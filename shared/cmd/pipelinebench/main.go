// Command pipelinebench measures the library pipeline end to end: it writes
// a library of placeholder game files (invented titles, all known to a title
// database it serves itself), runs the full chain (update_titledb, scan,
// identify, missing apps, titles, organize, index) with 1 and then 2 worker
// processes (this binary re-executed as a worker), and prints files per
// second beside a plain filepath.WalkDir of the same tree.
//
//	go run ./cmd/pipelinebench [-n 20000] [-procs 1,2] [-slots 4]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/worker"
)

// generateDelay replaces generate_library's 3 s debounce, which would
// otherwise be counted as pipeline time.
const generateDelay = 100 * time.Millisecond

func main() {
	if os.Getenv("PIPELINEBENCH_ROLE") == "worker" {
		if err := runWorker(); err != nil {
			fmt.Fprintln(os.Stderr, "pipelinebench worker:", err)
			os.Exit(1)
		}
		return
	}
	n := flag.Int("n", 20000, "number of files in the library")
	procs := flag.String("procs", "1,2", "comma-separated numbers of worker processes to measure")
	slots := flag.Int("slots", 4, "slots per worker process")
	keep := flag.Bool("keep", false, "keep the temporary folders")
	flag.Parse()
	if err := run(*n, *procs, *slots, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "pipelinebench:", err)
		os.Exit(1)
	}
}

func run(n int, procList string, slots int, keep bool) error {
	files, tdb := pipelinetest.Synthetic(n, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := tdb[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, path.Base(r.URL.Path), time.Unix(1700000000, 0), bytes.NewReader(data))
	}))
	defer srv.Close()
	for _, field := range strings.Split(procList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || k < 1 {
			return fmt.Errorf("-procs: %q is not a positive number", field)
		}
		if err := measure(files, srv.URL, k, slots, keep); err != nil {
			return err
		}
	}
	return nil
}

func measure(files []pipelinetest.File, titledbURL string, procs, slots int, keep bool) error {
	base, err := os.MkdirTemp("", "pipelinebench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(base)
	}
	lib, data := filepath.Join(base, "library"), filepath.Join(base, "data")
	if err := pipelinetest.Write(lib, files); err != nil {
		return err
	}
	walkStart := time.Now()
	walked := 0
	if err := filepath.WalkDir(lib, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			walked++
		}
		return err
	}); err != nil {
		return err
	}
	walk := time.Since(walkStart)

	s := settings.Default()
	s.Library.Paths = []string{lib}
	s.Library.Management.Organizer.Enabled = true
	s.Library.Management.Organizer.RemoveEmptyFolders = true
	s.TitleDB.URL = titledbURL
	s.Scheduler.ScanInterval = "0"
	s.Worker.Slots = slots
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	if err := settings.Save(filepath.Join(data, "settings.yaml"), s); err != nil {
		return err
	}
	ctx := context.Background()
	dbPath := filepath.Join(data, "shelf.db")
	db, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer store.Close(db)
	log := slog.New(slog.DiscardHandler)
	mgr, err := settings.NewManager(filepath.Join(data, "settings.yaml"), log)
	if err != nil {
		return err
	}
	q := queue.New(db, registry(db, mgr, data, log), queue.Options{})

	start := time.Now()
	if _, err := q.Enqueue(ctx, queue.NewParams(pipeline.UpdateTitleDBArgs{})); err != nil {
		return err
	}
	var workers []*exec.Cmd
	for range procs {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PIPELINEBENCH_ROLE=worker", "PIPELINEBENCH_DB="+dbPath, "PIPELINEBENCH_DATA="+data)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		workers = append(workers, cmd)
	}
	defer func() {
		for _, cmd := range workers {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}()
	if err := waitIdle(ctx, q, 30*time.Minute); err != nil {
		return err
	}
	elapsed := time.Since(start)

	identified, organized, err := countFiles(db, lib)
	if err != nil {
		return err
	}
	if _, err := os.Stat(pipeline.LibraryIndexPath(data)); err != nil {
		return fmt.Errorf("no library index: %w", err)
	}
	plural := "es"
	if procs == 1 {
		plural = ""
	}
	fmt.Printf("pipeline %d files, %d worker process%s: %.0f files/s (walk alone: %.0f files/s)\n",
		len(files), procs, plural, float64(len(files))/elapsed.Seconds(), float64(walked)/walk.Seconds())
	fmt.Printf("  %s in all, %d slots per process; %d identified, %d organized; generate_library debounce %s\n",
		elapsed.Round(time.Millisecond), slots, identified, organized, generateDelay)
	return nil
}

// waitIdle waits until the chain and everything it caused has finished.
func waitIdle(ctx context.Context, q *queue.Queue, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		unfinished := int64(0)
		for _, st := range []queue.Status{queue.StatusPending, queue.StatusRunning, queue.StatusWaitingForChildren} {
			_, n, err := q.List(ctx, queue.Filter{Status: st, Limit: 1})
			if err != nil {
				return err
			}
			unfinished += n
		}
		_, generated, err := q.List(ctx, queue.Filter{Status: queue.StatusCompleted, Name: pipeline.GenerateLibrary, Limit: 1})
		if err != nil {
			return err
		}
		if unfinished == 0 && generated > 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("the pipeline did not finish in time")
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

func registry(db *gorm.DB, mgr *settings.Manager, data string, log *slog.Logger) *queue.Registry {
	reg := queue.NewRegistry()
	pipeline.Register(reg, pipeline.Deps{DB: db, Settings: mgr, DataDir: data, Logger: log, GenerateDelay: generateDelay})
	return reg
}

// runWorker is one worker process: a pool with the settings' slots.
func runWorker() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := store.Open(ctx, os.Getenv("PIPELINEBENCH_DB"), store.Options{})
	if err != nil {
		return err
	}
	defer store.Close(db)
	data := os.Getenv("PIPELINEBENCH_DATA")
	mgr, err := settings.NewManager(filepath.Join(data, "settings.yaml"), log)
	if err != nil {
		return err
	}
	if out := os.Getenv("PIPELINEBENCH_CPUPROFILE"); out != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", out, os.Getpid()))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	q := queue.New(db, registry(db, mgr, data, log), queue.Options{})
	pool := worker.New(q, worker.Config{Slots: mgr.Current().Worker.Slots, Logger: log})
	return pool.Run(ctx)
}
