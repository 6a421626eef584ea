package worker_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/worker"
)

type poolBundle struct {
	q      *queue.Queue
	pool   *worker.Pool
	cancel context.CancelFunc
	done   chan struct{}
}

// startPool runs a pool in this process over a fresh database, with extra
// task definitions.
func startPool(t *testing.T, slots int, grace time.Duration, defs ...queue.Definition) *poolBundle {
	t.Helper()
	return startPoolWith(t, worker.Config{Slots: slots, GracePeriod: grace}, defs...)
}

// startPoolWith is startPool with more of the pool's configuration.
func startPoolWith(t *testing.T, cfg worker.Config, defs ...queue.Definition) *poolBundle {
	t.Helper()
	_, db, _ := newDB(t)
	reg := registry()
	for _, d := range defs {
		reg.Register(d)
	}
	q := queue.New(db, reg, queue.Options{Backoff: func(int) time.Duration { return time.Millisecond }})
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	pool := worker.New(q, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	b := &poolBundle{q: q, pool: pool, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(b.done); _ = pool.Run(ctx) }()
	t.Cleanup(b.stop)
	return b
}

func (b *poolBundle) stop() {
	b.cancel()
	<-b.done
}

func (b *poolBundle) enqueue(t *testing.T, name string, args any) queue.Task {
	t.Helper()
	res, err := b.q.Enqueue(context.Background(), queue.Params{Name: name, Args: args, NoDedup: true})
	require.NoError(t, err)
	return res.Task
}

func (b *poolBundle) waitStatus(t *testing.T, id int64, want queue.Status) queue.Task {
	t.Helper()
	var task queue.Task
	eventually.Holds(t, patience, "task to be "+string(want), func() bool {
		var err error
		task, err = b.q.Get(context.Background(), id)
		require.NoError(t, err)
		return task.Status == want
	})
	return task
}

func TestPoolRunsTasksAndRecordsResults(t *testing.T) {
	t.Parallel()
	b := startPool(t, 2, time.Second)
	task := b.enqueue(t, "echo", map[string]string{"hello": "world"})
	got := b.waitStatus(t, task.ID, queue.StatusCompleted)
	require.JSONEq(t, `{"hello":"world"}`, string(got.Result))
	require.Equal(t, b.pool.ID(), got.Worker)
}

func TestCancellingARunningTaskStopsItsHandler(t *testing.T) {
	t.Parallel()
	b := startPool(t, 1, time.Second)
	task := b.enqueue(t, "sleep", map[string]float64{"seconds": 600})
	b.waitStatus(t, task.ID, queue.StatusRunning)
	_, err := b.q.Cancel(context.Background(), task.ID)
	require.NoError(t, err)
	b.waitStatus(t, task.ID, queue.StatusCancelled)
}

func TestPanickingHandlerFailsItsTaskAndTheWorkerGoesOn(t *testing.T) {
	t.Parallel()
	b := startPool(t, 1, time.Second, queue.Definition{Name: "explode", MaxAttempts: 1,
		Handler: func(context.Context, *queue.Job) error { panic("kaboom") }})
	task := b.enqueue(t, "explode", nil)
	got := b.waitStatus(t, task.ID, queue.StatusFailed)
	require.Contains(t, got.Error, "panic: kaboom")
	after := b.enqueue(t, "echo", nil)
	b.waitStatus(t, after.ID, queue.StatusCompleted)
}

func TestFailingTaskIsRetriedUntilItSucceeds(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := startPool(t, 1, time.Second, queue.Definition{Name: "flaky", Handler: func(context.Context, *queue.Job) error {
		if calls.Add(1) < 3 {
			return errString("not yet")
		}
		return nil
	}})
	task := b.enqueue(t, "flaky", nil)
	got := b.waitStatus(t, task.ID, queue.StatusCompleted)
	require.Equal(t, 3, got.Attempts)
}

func TestShutdownHandsUnfinishedTasksBackAfterTheGracePeriod(t *testing.T) {
	t.Parallel()
	b := startPool(t, 1, 100*time.Millisecond)
	task := b.enqueue(t, "sleep", map[string]float64{"seconds": 600})
	b.waitStatus(t, task.ID, queue.StatusRunning)
	b.stop()
	got, err := b.q.Get(context.Background(), task.ID)
	require.NoError(t, err)
	require.Equal(t, queue.StatusPending, got.Status, "released, not left running")
	require.Equal(t, 0, got.Attempts, "a release doesn't use up an attempt")
}

func TestShutdownLetsShortTasksFinish(t *testing.T) {
	t.Parallel()
	b := startPool(t, 1, time.Minute)
	task := b.enqueue(t, "sleep", map[string]float64{"seconds": 0.3})
	b.waitStatus(t, task.ID, queue.StatusRunning)
	b.stop()
	got, err := b.q.Get(context.Background(), task.ID)
	require.NoError(t, err)
	require.Equal(t, queue.StatusCompleted, got.Status)
}

func TestSlotsBoundConcurrencyAndResizeLive(t *testing.T) {
	t.Parallel()
	var running, peak atomic.Int32
	release := make(chan struct{})
	b := startPool(t, 2, time.Second, queue.Definition{Name: "hold", Handler: func(ctx context.Context, _ *queue.Job) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}})
	for i := 0; i < 6; i++ {
		b.enqueue(t, "hold", nil)
	}
	eventually.Holds(t, patience, "two tasks running", func() bool { return running.Load() == 2 })
	time.Sleep(200 * time.Millisecond)
	require.EqualValues(t, 2, peak.Load(), "never more tasks than slots")

	b.pool.SetSlots(5)
	eventually.Holds(t, patience, "five tasks running after growing", func() bool { return running.Load() == 5 })
	b.pool.SetSlots(1) // shrinking lets running tasks finish
	require.EqualValues(t, 5, running.Load())
	close(release)
	eventually.Holds(t, patience, "all done", func() bool {
		var n int64
		require.NoError(t, b.q.DB().Raw("SELECT COUNT(*) FROM tasks WHERE status = 'completed'").Scan(&n).Error)
		return n == 6
	})
}

type errString string

func (e errString) Error() string { return string(e) }

// A container restarted after a SIGKILL has the same hostname and pid 1. Its
// new process must not pass for the dead one, or it would renew the dead
// process's leases forever and those tasks would never be rescued.
func TestARestartedProcessDoesNotKeepItsPredecessorsTasksAlive(t *testing.T) {
	t.Parallel()
	_, db, _ := newDB(t)
	q := queue.New(db, registry(), queue.Options{LeaseTimeout: time.Second,
		Backoff: func(int) time.Duration { return time.Millisecond }})
	ctx := context.Background()
	res, err := q.Enqueue(ctx, queue.Params{Name: "echo", Args: map[string]string{"say": "hi"}})
	require.NoError(t, err)
	dead := worker.DefaultID()
	claimed, err := q.Claim(ctx, dead, 1)
	require.NoError(t, err)
	require.Len(t, claimed, 1)

	restarted := worker.DefaultID()
	require.NotEqual(t, dead, restarted, "same host and pid, yet a new identity")
	pool := worker.New(q, worker.Config{Slots: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NotEqual(t, dead, pool.ID())
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = pool.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	eventually.Holds(t, patience, "the dead process's task to be rescued and run", func() bool {
		got, err := q.Get(ctx, res.Task.ID)
		require.NoError(t, err)
		return got.Status == queue.StatusCompleted && got.Worker == pool.ID()
	})
}
