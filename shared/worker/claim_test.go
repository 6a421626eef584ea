package worker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/worker"
)

// aheadBundle is a one-slot pool whose slot a "gate" task blocks until the
// test opens it, so that what the pool claims meanwhile stays claimed ahead;
// "note" tasks record the order in which they ran.
type aheadBundle struct {
	*poolBundle
	gateStarted chan struct{}
	openGate    chan struct{}
	mu          sync.Mutex
	ran         []int64
}

func startAheadPool(t *testing.T, cfg worker.Config) *aheadBundle {
	t.Helper()
	a := &aheadBundle{gateStarted: make(chan struct{}, 1), openGate: make(chan struct{})}
	cfg.Slots = 1
	if cfg.ClaimAhead == 0 {
		// As much as MaxAhead allows, however slow this machine runs the
		// warm-up tasks.
		cfg.ClaimAhead = time.Minute
	}
	a.poolBundle = startPoolWith(t, cfg,
		queue.Definition{Name: "gate", Handler: func(ctx context.Context, _ *queue.Job) error {
			a.gateStarted <- struct{}{}
			select {
			case <-a.openGate:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}},
		queue.Definition{Name: "note", Handler: func(_ context.Context, job *queue.Job) error {
			a.mu.Lock()
			a.ran = append(a.ran, job.Task.ID)
			a.mu.Unlock()
			return nil
		}})
	// A few short tasks first: the pool claims ahead only once it has seen
	// that its tasks run fast.
	for i := 0; i < 20; i++ {
		a.enqueue(t, "echo", nil)
	}
	a.waitCount(t, "warm-up tasks completed", "status = 'completed'", 20)
	a.enqueue(t, "gate", nil)
	<-a.gateStarted
	return a
}

func (a *aheadBundle) waitCount(t *testing.T, what, where string, want int) {
	t.Helper()
	last := -1
	if !eventually.Within(patience, 20*time.Millisecond, func() bool {
		last = countWhere(t, a.q.DB(), "SELECT COUNT(*) FROM tasks WHERE "+where)
		return last == want
	}) {
		t.Fatalf("timed out waiting for %s: %d tasks where %s, want %d", what, last, where, want)
	}
}

func (a *aheadBundle) enqueueNote(t *testing.T, priority int) queue.Task {
	t.Helper()
	res, err := a.q.Enqueue(context.Background(), queue.Params{Name: "note", Priority: priority, NoDedup: true})
	require.NoError(t, err)
	return res.Task
}

func (a *aheadBundle) order() []int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int64(nil), a.ran...)
}

func TestTasksClaimedAheadGoBackToPendingOnShutdown(t *testing.T) {
	t.Parallel()
	a := startAheadPool(t, worker.Config{GracePeriod: 50 * time.Millisecond, AheadHold: time.Hour})
	for i := 0; i < 30; i++ {
		a.enqueueNote(t, 0)
	}
	a.waitCount(t, "the notes claimed ahead of the busy slot", "name = 'note' AND status = 'running'", 30)
	a.stop()
	require.Equal(t, 31, countWhere(t, a.q.DB(),
		"SELECT COUNT(*) FROM tasks WHERE name IN ('note', 'gate') AND status = 'pending' AND attempts = 0"),
		"every task held, run or not, is pending again without a used attempt")
	require.Zero(t, countWhere(t, a.q.DB(), "SELECT COUNT(*) FROM tasks WHERE status = 'running'"))
	require.Empty(t, a.order(), "no note ran")
}

func TestHigherPriorityTaskEnqueuedLaterOvertakesTasksClaimedAhead(t *testing.T) {
	t.Parallel()
	a := startAheadPool(t, worker.Config{AheadHold: time.Hour})
	for i := 0; i < 5; i++ {
		a.enqueueNote(t, 10)
	}
	a.waitCount(t, "the notes claimed ahead", "name = 'note' AND status = 'running'", 5)
	urgent := a.enqueueNote(t, -5)
	a.waitCount(t, "the urgent note claimed ahead too", "name = 'note' AND status = 'running'", 6)
	close(a.openGate)
	a.waitCount(t, "every note completed", "name = 'note' AND status = 'completed'", 6)
	require.Equal(t, urgent.ID, a.order()[0], "claimed last, started first")
}

func TestTasksClaimedAheadOfABusySlotGoBackAfterAheadHoldAndAHigherPriorityTaskRunsFirst(t *testing.T) {
	t.Parallel()
	// After a hand-back the pool takes its tasks for AheadHold long: a
	// ClaimAhead below that claims nothing ahead then.
	a := startAheadPool(t, worker.Config{ClaimAhead: 100 * time.Millisecond, AheadHold: 300 * time.Millisecond})
	for i := 0; i < 5; i++ {
		a.enqueueNote(t, 10)
	}
	// Claimed ahead, then handed back once they waited AheadHold: pending
	// again, free for any worker, without a used attempt.
	a.waitCount(t, "the notes claimed ahead", "name = 'note' AND status = 'running'", 5)
	a.waitCount(t, "the notes handed back", "name = 'note' AND status = 'pending' AND attempts = 0", 5)
	urgent := a.enqueueNote(t, -5)
	close(a.openGate)
	a.waitCount(t, "every note completed", "name = 'note' AND status = 'completed'", 6)
	require.Equal(t, urgent.ID, a.order()[0])
}

func TestCancellingATaskClaimedAheadCancelsItWithoutRunningIt(t *testing.T) {
	t.Parallel()
	a := startAheadPool(t, worker.Config{AheadHold: time.Hour})
	note := a.enqueueNote(t, 0)
	a.waitCount(t, "the note claimed ahead", fmt.Sprintf("id = %d AND status = 'running'", note.ID), 1)
	_, err := a.q.Cancel(context.Background(), note.ID)
	require.NoError(t, err)
	a.waitStatus(t, note.ID, queue.StatusCancelled)
	close(a.openGate)
	after := a.enqueueNote(t, 0)
	a.waitStatus(t, after.ID, queue.StatusCompleted)
	require.Equal(t, []int64{after.ID}, a.order(), "the cancelled note never ran")
}
