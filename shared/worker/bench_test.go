package worker_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/worker"
)

// BenchmarkDrainNoop drains b.N pre-enqueued no-op tasks with one pool.
func BenchmarkDrainNoop(b *testing.B) {
	ctx := context.Background()
	_, db := storetest.Open(b) // SQLite, or PostgreSQL with SHELF_TEST_BACKEND=postgres
	reg := queue.NewRegistry()
	reg.Register(queue.Definition{Name: "noop", Handler: func(context.Context, *queue.Job) error { return nil }})
	q := queue.New(db, reg, queue.Options{})
	ps := make([]queue.Params, b.N)
	for i := range ps {
		ps[i] = queue.Params{Name: "noop", NoDedup: true}
	}
	if _, err := q.EnqueueMany(ctx, ps); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	runCtx, cancel := context.WithCancel(ctx)
	pool := worker.New(q, worker.Config{Slots: 64, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan struct{})
	go func() { _ = pool.Run(runCtx); close(done) }()
	for {
		var n int64
		db.Raw("SELECT COUNT(*) FROM tasks WHERE status = 'completed'").Scan(&n)
		if int(n) == b.N {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}
