package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

func TestClaimOrdersByPriorityThenRunAfterThenID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	late := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"n": 1}, RunAfter: b.now.Add(-time.Second)})
	early := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"n": 2}, RunAfter: b.now.Add(-time.Minute)})
	urgent := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"n": 3}, Priority: -1})
	// RunAfter in the past is clamped to now at enqueue, so late/early tie
	// on run_after and fall back to id order.
	tasks, err := b.q.Claim(b.ctx, "w", 10)
	require.NoError(t, err)
	require.Equal(t, []int64{urgent.ID, late.ID, early.ID}, ids(tasks))
	for _, task := range tasks {
		require.Equal(t, queue.StatusRunning, task.Status)
		require.Equal(t, "w", task.Worker)
		require.Equal(t, 1, task.Attempts)
		require.NotNil(t, task.LeaseExpiresAt)
	}
}

func TestClaimSkipsTasksNotYetDue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", Delay: time.Hour})
	tasks, err := b.q.Claim(b.ctx, "w", 10)
	require.NoError(t, err)
	require.Empty(t, tasks)
	b.now = b.now.Add(time.Hour + time.Second)
	require.Len(t, must(b.q.Claim(b.ctx, "w", 10)), 1)
}

func TestClaimNeverGivesATaskTwice(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := 0; i < 300; i++ {
		b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"i": i}})
	}
	seen := map[int64]bool{}
	results := make(chan []queue.Task)
	for w := 0; w < 6; w++ {
		go func() {
			var mine []queue.Task
			for {
				tasks, err := b.q.Claim(b.ctx, "w", 7)
				if err != nil || len(tasks) == 0 {
					results <- mine
					return
				}
				mine = append(mine, tasks...)
			}
		}()
	}
	for w := 0; w < 6; w++ {
		for _, task := range <-results {
			require.False(t, seen[task.ID], "task %d claimed twice", task.ID)
			seen[task.ID] = true
		}
	}
	require.Len(t, seen, 300)
}

func TestCompletedTaskKeepsItsResult(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo"})
	task := b.claimOne(t, "w")
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Result: []byte(`{"ok":true}`)})
	got := b.get(t, task.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.JSONEq(t, `{"ok":true}`, string(got.Result))
	require.Equal(t, 100.0, got.Progress)
	require.NotNil(t, got.FinishedAt)
	require.Nil(t, got.LeaseExpiresAt)
}

func TestFailedTaskRetriesWithBackoffUntilAttemptsAreUsedUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", MaxAttempts: 2})
	task := b.claimOne(t, "w")
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Err: errString("first")})
	got := b.get(t, task.ID)
	require.Equal(t, queue.StatusPending, got.Status)
	require.Equal(t, "first", got.Error)
	require.WithinDuration(t, b.now.Add(time.Minute), got.RunAfter, time.Millisecond, "backoff applies")
	require.Empty(t, must(b.q.Claim(b.ctx, "w", 1)))

	b.now = b.now.Add(2 * time.Minute)
	task = b.claimOne(t, "w")
	require.Equal(t, 2, task.Attempts)
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Err: errString("second")})
	got = b.get(t, task.ID)
	require.Equal(t, queue.StatusFailed, got.Status)
	require.Equal(t, "second", got.Error)
}

func TestPermanentErrorFailsWithoutRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", MaxAttempts: 5})
	task := b.claimOne(t, "w")
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Err: queue.Permanent(errString("bad input"))})
	require.Equal(t, queue.StatusFailed, b.get(t, task.ID).Status)
}

func TestExpiredLeaseIsRescuedAndLiveLeasesAreNot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"dead": 1}})
	dead := b.claimOne(t, "dead-worker")
	b.now = b.now.Add(20 * time.Second)
	b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"live": 1}})
	live := b.claimOne(t, "live-worker")

	b.now = b.now.Add(15 * time.Second) // dead's lease (30s) expired, live's not
	n, err := b.q.RescueExpired(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got := b.get(t, dead.ID)
	require.Equal(t, queue.StatusPending, got.Status)
	require.Contains(t, got.Error, "dead-worker")
	require.Equal(t, queue.StatusRunning, b.get(t, live.ID).Status)

	// The dead worker comes back late: its outcome is refused.
	errs, err := b.q.Finish(b.ctx, []queue.Outcome{{Ref: queue.RefOf(dead)}})
	require.NoError(t, err)
	require.ErrorIs(t, errs[0], queue.ErrLeaseLost)

	// Renewing keeps a lease alive past its first expiry.
	_, err = b.q.RenewLeases(b.ctx, "live-worker")
	require.NoError(t, err)
	b.now = b.now.Add(25 * time.Second)
	n, err = b.q.RescueExpired(b.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestRescueFailsATaskWhoseAttemptsAreUsedUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", MaxAttempts: 1})
	task := b.claimOne(t, "w")
	b.now = b.now.Add(time.Hour)
	_, err := b.q.RescueExpired(b.ctx)
	require.NoError(t, err)
	require.Equal(t, queue.StatusFailed, b.get(t, task.ID).Status)
}

func TestReleasedTaskReturnsToPendingWithoutCountingTheAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo"})
	task := b.claimOne(t, "w")
	b.finish(t, queue.Outcome{Ref: queue.RefOf(task), Released: true})
	got := b.get(t, task.ID)
	require.Equal(t, queue.StatusPending, got.Status)
	require.Equal(t, 0, got.Attempts)
}

func ids(tasks []queue.Task) []int64 {
	out := make([]int64, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
