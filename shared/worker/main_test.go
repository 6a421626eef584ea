package worker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/testprocess"
	"github.com/shelfhq/shelf/shared/worker"
)

// The test binary doubles as the helper process of the multi-process tests:
// with SHELF_TEST_ROLE set it runs a real worker (or enqueuer) on the
// database file named by SHELF_TEST_DB instead of the tests.
func TestMain(m *testing.M) {
	testprocess.Main(m, map[string]func() int{
		"worker":           runWorkerProcess,
		"enqueue-same-key": runEnqueueProcess,
		"load":             runLoadProcess,
	})
}

// registry holds the tasks the tests run: the diagnostic ones and
// "record", which logs each execution in a side table so a test can prove
// every task ran exactly once.
func registry() *queue.Registry {
	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	reg.Register(queue.Definition{Name: "record", Handler: func(ctx context.Context, job *queue.Job) error {
		return job.Queue().DB().WithContext(ctx).Exec(
			"INSERT INTO test_runs (task_id, worker) VALUES (?, ?)", job.Task.ID, job.Task.Worker).Error
	}})
	return reg
}

func openTestDB(ctx context.Context, path string) (*gorm.DB, error) {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	err = db.Exec("CREATE TABLE IF NOT EXISTS test_runs (task_id INTEGER NOT NULL, worker TEXT NOT NULL)").Error
	return db, err
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
	db, err := openTestDB(ctx, os.Getenv("SHELF_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q := queue.New(db, registry(), queue.Options{LeaseTimeout: envDuration("SHELF_TEST_LEASE", 30*time.Second),
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	slots, _ := strconv.Atoi(os.Getenv("SHELF_TEST_SLOTS"))
	pool := worker.New(q, worker.Config{Slots: max(slots, 1), GracePeriod: 5 * time.Second,
		AheadHold: envDuration("SHELF_TEST_AHEAD_HOLD", 0),
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err := pool.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func runEnqueueProcess() int {
	ctx := context.Background()
	db, err := openTestDB(ctx, os.Getenv("SHELF_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q := queue.New(db, registry(), queue.Options{})
	// Wait for the common start signal so all processes race together.
	for _, err := os.Stat(os.Getenv("SHELF_TEST_GO")); errors.Is(err, os.ErrNotExist); _, err = os.Stat(os.Getenv("SHELF_TEST_GO")) {
		time.Sleep(time.Millisecond)
	}
	created := 0
	for i := 0; i < 200; i++ {
		res, err := q.Enqueue(ctx, queue.Params{Name: "echo", DedupKey: "the-same-key"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if !res.Deduplicated {
			created++
		}
	}
	fmt.Println(created)
	return 0
}

// runLoadProcess enqueues as fast as it can while its own pool drains, for
// SHELF_TEST_DURATION, then prints "<enqueued> <errors>" and exits. Any
// error reaching this caller (SQLITE_BUSY included) is counted and shown.
func runLoadProcess() int {
	ctx := context.Background()
	db, err := openTestDB(ctx, os.Getenv("SHELF_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	q := queue.New(db, registry(), queue.Options{})
	poolCtx, stopPool := context.WithCancel(ctx)
	pool := worker.New(q, worker.Config{Slots: 8, GracePeriod: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	done := make(chan error, 1)
	go func() { done <- pool.Run(poolCtx) }()
	deadline := time.Now().Add(envDuration("SHELF_TEST_DURATION", 5*time.Second))
	enqueued, errs := 0, 0
	for time.Now().Before(deadline) {
		batch := make([]queue.Params, 20)
		for i := range batch {
			batch[i] = queue.Params{Name: "echo", NoDedup: true}
		}
		if _, err := q.EnqueueMany(ctx, batch); err != nil {
			errs++
			fmt.Fprintln(os.Stderr, "enqueue many:", err)
		} else {
			enqueued += len(batch)
		}
		if _, err := q.Enqueue(ctx, queue.Params{Name: "echo", NoDedup: true}); err != nil {
			errs++
			fmt.Fprintln(os.Stderr, "enqueue:", err)
		} else {
			enqueued++
		}
	}
	stopPool()
	if err := <-done; err != nil {
		errs++
		fmt.Fprintln(os.Stderr, "pool:", err)
	}
	fmt.Println(enqueued, errs)
	return 0
}
