package queue_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

func fmtInt(v int64) string { return strconv.FormatInt(v, 10) }

func TestCancelPendingTaskIsImmediate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	task := b.enqueue(t, queue.Params{Name: "echo"})
	got, err := b.q.Cancel(b.ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, queue.StatusCancelled, got.Status)
	require.Empty(t, must(b.q.Claim(b.ctx, "w", 1)))
	_, err = b.q.Cancel(b.ctx, task.ID)
	require.ErrorIs(t, err, queue.ErrInvalidState)
	_, err = b.q.Cancel(b.ctx, 9999)
	require.ErrorIs(t, err, queue.ErrNotFound)
}

func TestCancelRunningTaskAsksItsWorker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "sleep"})
	task := b.claimOne(t, "w")
	got, err := b.q.Cancel(b.ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, queue.StatusRunning, got.Status)
	require.Equal(t, []int64{task.ID}, must(b.q.CancelRequested(b.ctx, "w")))
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Cancelled: true, Err: errString("context canceled")})
	require.Equal(t, queue.StatusCancelled, b.get(t, task.ID).Status)
}

func TestCancelledTaskWhoseWorkerDiedEndsCancelledNotRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "sleep"})
	task := b.claimOne(t, "w")
	_, err := b.q.Cancel(b.ctx, task.ID)
	require.NoError(t, err)
	b.now = b.now.Add(time.Hour)
	_, err = b.q.RescueExpired(b.ctx)
	require.NoError(t, err)
	require.Equal(t, queue.StatusCancelled, b.get(t, task.ID).Status)
}

func TestCancellingAParentCancelsItsUnfinishedChildren(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 5, "child")
	b.finish(t, ok(parent))
	tasks, err := b.q.Claim(b.ctx, "w", 2) // two children start running
	require.NoError(t, err)
	require.Len(t, tasks, 2)

	got, err := b.q.Cancel(b.ctx, parent.ID)
	require.NoError(t, err)
	require.Equal(t, queue.StatusCancelled, got.Status)
	counts, err := b.q.ChildStatusCounts(b.ctx, parent.ID)
	require.NoError(t, err)
	require.Equal(t, map[queue.Status]int{queue.StatusCancelled: 3, queue.StatusRunning: 2}, counts)
	require.ElementsMatch(t, ids(tasks), must(b.q.CancelRequested(b.ctx, "w")))
	for _, c := range tasks {
		b.finish(t, queue.Outcome{Ref: queue.RefOf(c), Cancelled: true})
	}
	require.Equal(t, 0, b.countNamed(t, "parent_done"), "a cancelled parent has no continuation")
	require.Equal(t, queue.Children{Total: 5, Failed: 5}, b.get(t, parent.ID).Children)
}

func TestRetryRunsAFailedTaskAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", MaxAttempts: 1})
	task := b.claimOne(t, "w")
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Err: errString("x")})
	require.Equal(t, queue.StatusFailed, b.get(t, task.ID).Status)
	got, err := b.q.Retry(b.ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, queue.StatusPending, got.Status)
	require.Equal(t, 0, got.Attempts)
	require.Equal(t, task.ID, b.claimOne(t, "w").ID)

	done := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"n": 1}})
	_, err = b.q.Retry(b.ctx, done.ID)
	require.ErrorIs(t, err, queue.ErrInvalidState)
}

func TestRetriedChildIsCountedAgainByItsWaitingParent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 2, "child")
	b.finish(t, ok(parent))
	kids := must(b.q.Claim(b.ctx, "w", 2))
	b.finish(t, queue.Outcome{Ref: queue.RefOf(kids[0]), Err: queue.Permanent(errString("x"))})
	_, err := b.q.Retry(b.ctx, kids[0].ID)
	require.NoError(t, err)
	b.finish(t, ok(kids[1]))
	require.Equal(t, queue.StatusWaitingForChildren, b.get(t, parent.ID).Status)
	b.finish(t, ok(b.claimOne(t, "w")))
	got := b.get(t, parent.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, queue.Children{Total: 2, Completed: 2}, got.Children)
}

func TestRescheduleAndRemoveAPendingTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	task := b.enqueue(t, queue.Params{Name: "echo", Delay: time.Hour})
	p := 5
	got, err := b.q.Reschedule(b.ctx, task.ID, b.now, &p)
	require.NoError(t, err)
	require.Equal(t, 5, got.Priority)
	require.WithinDuration(t, b.now, got.RunAfter, time.Millisecond)
	require.NoError(t, b.q.Remove(b.ctx, task.ID))
	_, err = b.q.Get(b.ctx, task.ID)
	require.ErrorIs(t, err, queue.ErrNotFound)
}

func TestPeriodicTaskHasOneRunPerPeriodWhateverTheNumberOfProcesses(t *testing.T) {
	t.Parallel()
	every := time.Hour
	b := setup(t, queue.Definition{Name: "tick", Handler: noopHandler, Every: func() time.Duration { return every }})
	// Several processes ask for the next run at once.
	for i := 0; i < 5; i++ {
		other := queue.New(b.db, b.reg, queue.Options{Now: func() time.Time { return b.now }})
		require.NoError(t, other.EnsureScheduled(b.ctx))
	}
	require.Equal(t, 1, b.countNamed(t, "tick"))
	first, _, err := b.q.List(b.ctx, queue.Filter{Name: "tick"})
	require.NoError(t, err)
	require.Equal(t, b.now.Truncate(every).Add(every).Unix(), first[0].RunAfter.Unix())

	// When the run completes it queues the next period, once.
	b.now = first[0].RunAfter.Add(time.Second)
	run := b.claimOne(t, "w")
	require.NoError(t, b.q.EnsureScheduled(b.ctx)) // a replica racing the completion
	b.finish(t, ok(run))
	require.NoError(t, b.q.EnsureScheduled(b.ctx))
	require.Equal(t, 2, b.countNamed(t, "tick"))

	every = 0 // switched off in settings: no new runs
	b.now = b.now.Add(2 * time.Hour)
	next := b.claimOne(t, "w")
	b.finish(t, ok(next))
	require.NoError(t, b.q.EnsureScheduled(b.ctx))
	require.Equal(t, 2, b.countNamed(t, "tick"))
}

func TestPruneDeletesOldFinishedTasksWithTheirChildren(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 3, "child")
	b.finish(t, ok(parent))
	b.runAll(t, "child", ok)
	b.enqueue(t, queue.Params{Name: "echo", MaxAttempts: 1})
	failed := b.claimOne(t, "w")
	if failed.Name != "echo" {
		b.finish(t, ok(failed))
		failed = b.claimOne(t, "w")
	}
	b.finish(t, queue.Outcome{Ref: queue.RefOf(failed), Err: errString("x")})
	pending := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"keep": 1}})

	b.now = b.now.Add(25 * time.Hour)
	n, err := b.q.Prune(b.ctx, queue.Retention{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	_, err = b.q.Get(b.ctx, parent.ID)
	require.ErrorIs(t, err, queue.ErrNotFound)
	require.Equal(t, 0, b.countNamed(t, "child"))
	require.Equal(t, queue.StatusFailed, b.get(t, failed.ID).Status, "failed tasks are kept for 7 days")
	require.Equal(t, queue.StatusPending, b.get(t, pending.ID).Status)

	b.now = b.now.Add(7 * 24 * time.Hour)
	_, err = b.q.Prune(b.ctx, queue.Retention{})
	require.NoError(t, err)
	_, err = b.q.Get(b.ctx, failed.ID)
	require.ErrorIs(t, err, queue.ErrNotFound)
}

func TestListIsNewestFirstWithACursor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := 0; i < 5; i++ {
		b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"i": i}})
	}
	page, next, err := b.q.List(b.ctx, queue.Filter{Limit: 3})
	require.NoError(t, err)
	require.Len(t, page, 3)
	require.Greater(t, page[0].ID, page[1].ID)
	rest, next2, err := b.q.List(b.ctx, queue.Filter{Limit: 3, Cursor: next})
	require.NoError(t, err)
	require.Len(t, rest, 2)
	require.Zero(t, next2)
}
