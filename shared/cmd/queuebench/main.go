// Command queuebench measures the queue on this machine: drain rate with one
// and several worker processes, enqueue rates, fan-out, cross-process pickup
// latency and an idle worker's CPU and memory, each beside the raw rate of
// single-row write transactions on the same disk. `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/worker"
)

func main() {
	if os.Getenv("QUEUEBENCH_ROLE") == "worker" {
		os.Exit(runWorker())
	}
	dir := flag.String("dir", "", "directory for the database files (default: a temp dir)")
	drainN := flag.Int("drain", 20_000, "tasks for the drain benchmarks")
	only := flag.String("only", "", "run only the benchmark with this name")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "queuebench")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	b := &bench{dir: *dir, drainN: *drainN}
	for _, r := range []struct {
		name string
		run  func() error
	}{
		{"baseline", b.baseline},
		{"drain1", func() error { return b.drain(1) }},
		{"drain4", func() error { return b.drain(4) }},
		{"enqueue", b.enqueueSingle},
		{"enqueue_batch", b.enqueueBatch},
		{"fanout", b.fanout},
		{"pickup", b.pickup},
		{"idle", b.idle},
	} {
		if *only != "" && *only != r.name {
			continue
		}
		if err := r.run(); err != nil {
			fatal(fmt.Errorf("%s: %w", r.name, err))
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "queuebench:", err)
	os.Exit(1)
}

func registry() *queue.Registry {
	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	reg.Register(queue.Definition{Name: "noop", Handler: func(context.Context, *queue.Job) error { return nil }})
	return reg
}

// runWorker is the worker process of the multi-process benchmarks.
func runWorker() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	db, err := store.Open(ctx, os.Getenv("QUEUEBENCH_DB"), store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	slots, _ := strconv.Atoi(os.Getenv("QUEUEBENCH_SLOTS"))
	q := queue.New(db, registry(), queue.Options{})
	pool := worker.New(q, worker.Config{Slots: max(slots, 1),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err := pool.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type bench struct {
	dir      string
	drainN   int
	baseRate float64
	seq      int
}

// open returns a fresh database file.
func (b *bench) open() (string, *queue.Queue, error) {
	b.seq++
	path := filepath.Join(b.dir, fmt.Sprintf("bench-%d.db", b.seq))
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		return "", nil, err
	}
	return path, queue.New(db, registry(), queue.Options{}), nil
}

func (b *bench) report(name string, rate float64, unit string, note string) {
	ratio := ""
	if b.baseRate > 0 && unit == "tasks/s" {
		ratio = fmt.Sprintf("  (%.2f× baseline)", rate/b.baseRate)
	}
	fmt.Printf("%-44s %12.0f %s%s %s\n", name, rate, unit, ratio, note)
}

// baseline is the raw rate of single-row write transactions (WAL,
// synchronous=NORMAL) through the same connection settings.
func (b *bench) baseline() error {
	_, q, err := b.open()
	if err != nil {
		return err
	}
	db := q.DB()
	if err := db.Exec("CREATE TABLE baseline (id INTEGER PRIMARY KEY, v TEXT)").Error; err != nil {
		return err
	}
	sqlDB, _ := db.DB()
	const n = 20_000
	start := time.Now()
	for i := 0; i < n; i++ {
		tx, err := sqlDB.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT INTO baseline (v) VALUES (?)", "x"); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	b.baseRate = float64(n) / time.Since(start).Seconds()
	fmt.Printf("%-44s %12.0f tx/s\n", "baseline: single-row write transactions", b.baseRate)
	return nil
}
