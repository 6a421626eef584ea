package worker_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"syscall"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/worker"
)

func TestZZFanoutProfile(t *testing.T) {
	ctx := context.Background()
	_, db := storetest.Open(t)
	q := queue.New(db, registry(), queue.Options{})
	res, err := q.Enqueue(ctx, queue.Params{Name: "fanout", Args: map[string]any{"children": 20000}})
	if err != nil {
		t.Fatal(err)
	}
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(0, &ru0)
	start := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	pool := worker.New(q, worker.Config{Slots: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan struct{})
	go func() { _ = pool.Run(runCtx); close(done) }()
	for {
		tk, _ := q.Get(ctx, res.Task.ID)
		if tk.Status == queue.StatusCompleted {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	syscall.Getrusage(0, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano())
	t.Logf("children/s %.0f cpu/task %s", 20000/time.Since(start).Seconds(), cpu/20000)
	cancel()
	<-done
}
