package queue_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

// spawn claims the parent and creates n children of it, as a handler would.
func (b *testBundle) spawn(t *testing.T, parent queue.Task, n int, name string) {
	t.Helper()
	job := b.q.NewJob(parent, parent.Worker, slog.Default())
	children := make([]queue.Params, n)
	for i := range children {
		children[i] = queue.Params{Name: name}
	}
	require.NoError(t, job.Spawn(b.ctx, children...))
}

func (b *testBundle) runAll(t *testing.T, name string, outcome func(queue.Task) queue.Outcome) int {
	t.Helper()
	n := 0
	for {
		tasks, err := b.q.Claim(b.ctx, "w", 100)
		require.NoError(t, err)
		var outs []queue.Outcome
		for _, task := range tasks {
			if task.Name != name {
				// leave other tasks for later: release them
				outs = append(outs, queue.Outcome{Ref: queue.RefOf(task), Released: true})
				continue
			}
			outs = append(outs, outcome(task))
			n++
		}
		if len(outs) > 0 {
			_, err = b.q.Finish(b.ctx, outs)
			require.NoError(t, err)
		}
		if len(tasks) == 0 || n > 0 && len(outs) == 0 {
			return n
		}
		if allReleased(outs) {
			return n
		}
	}
}

func allReleased(outs []queue.Outcome) bool {
	for _, o := range outs {
		if !o.Released {
			return false
		}
	}
	return true
}

func ok(task queue.Task) queue.Outcome { return queue.Outcome{Ref: queue.RefOf(task)} }

func TestLastChildCompletesTheParentAndRunsTheContinuationOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 50, "child")
	b.finish(t, ok(parent))
	got := b.get(t, parent.ID)
	require.Equal(t, queue.StatusWaitingForChildren, got.Status)
	require.Equal(t, queue.Children{Total: 50}, got.Children)

	require.Equal(t, 50, b.runAll(t, "child", ok))
	got = b.get(t, parent.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, queue.Children{Total: 50, Completed: 50}, got.Children)
	require.Equal(t, 100.0, got.Progress)
	require.Equal(t, 1, b.countNamed(t, "parent_done"))

	cont := b.claimOne(t, "w")
	require.Equal(t, "parent_done", cont.Name)
	require.JSONEq(t, `{"parent_id":`+itoa(parent.ID)+`,"parent_name":"parent","parent_args":{},
		"children":{"total":50,"completed":50,"failed":0}}`, string(cont.Args))
}

func TestChildrenFinishingBeforeTheParentReturnsStillRunTheContinuationOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 10, "child")
	require.Equal(t, 10, b.runAll(t, "child", ok))
	require.Equal(t, queue.StatusRunning, b.get(t, parent.ID).Status)
	require.Equal(t, 0, b.countNamed(t, "parent_done"))

	b.finish(t, ok(parent))
	got := b.get(t, parent.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, 1, b.countNamed(t, "parent_done"))
}

func TestFailedChildrenAreCountedAndTheContinuationStillRuns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 4, "child")
	b.finish(t, ok(parent))
	i := 0
	b.runAll(t, "child", func(task queue.Task) queue.Outcome {
		i++
		if i%2 == 0 {
			return queue.Outcome{Ref: queue.RefOf(task), Err: queue.Permanent(errString("bad"))}
		}
		return ok(task)
	})
	got := b.get(t, parent.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, queue.Children{Total: 4, Completed: 2, Failed: 2}, got.Children)
	cont := b.claimOne(t, "w")
	require.Contains(t, string(cont.Args), `"failed":2`)
}

func TestGrandchildrenCompleteTheirParentWhichCompletesTheGrandparent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	top := b.claimOne(t, "w")
	b.spawn(t, top, 2, "parent")
	b.finish(t, ok(top))

	mids, err := b.q.Claim(b.ctx, "w", 10)
	require.NoError(t, err)
	require.Len(t, mids, 2)
	for _, m := range mids {
		b.spawn(t, m, 3, "child")
		b.finish(t, ok(m))
	}
	require.Equal(t, queue.StatusWaitingForChildren, b.get(t, top.ID).Status)
	require.Equal(t, 6, b.runAll(t, "child", ok))
	for _, m := range mids {
		require.Equal(t, queue.StatusCompleted, b.get(t, m.ID).Status)
	}
	got := b.get(t, top.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, queue.Children{Total: 2, Completed: 2}, got.Children)
	require.Equal(t, 3, b.countNamed(t, "parent_done"), "one continuation per parent")
}

func TestParentWithoutChildrenStillRunsItsContinuation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.finish(t, ok(parent))
	require.Equal(t, queue.StatusCompleted, b.get(t, parent.ID).Status)
	require.Equal(t, 1, b.countNamed(t, "parent_done"))
}

func TestSpawnAfterLosingTheLeaseIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.now = b.now.Add(b.q.LeaseTimeout() * 2)
	_, err := b.q.RescueExpired(b.ctx)
	require.NoError(t, err)
	job := b.q.NewJob(parent, "w", slog.Default())
	require.ErrorIs(t, job.Spawn(b.ctx, queue.Params{Name: "child"}), queue.ErrLeaseLost)
	require.Equal(t, 0, b.countNamed(t, "child"))
}

func TestHundredThousandChildrenInOneSpawn(t *testing.T) {
	if testing.Short() {
		t.Skip("large fan-out: run without -short")
	}
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 100_000, "child")
	require.Equal(t, 100_000, b.countNamed(t, "child"))
	require.Equal(t, 100_000, b.get(t, parent.ID).Children.Total)
}

func itoa(v int64) string { return fmtInt(v) }

func noopHandler(context.Context, *queue.Job) error { return nil }

// A child whose unique key is taken is not created, so the parent does not
// wait for it: it completes when the children that exist are done.
func TestAChildSkippedForItsUniqueKeyIsNotWaitedFor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "child", UniqueKey: "once"})
	b.enqueue(t, queue.Params{Name: "parent"})
	first := b.claimOne(t, "w")
	b.finish(t, ok(first))
	parent := b.claimOne(t, "w")
	require.Equal(t, "parent", parent.Name)
	job := b.q.NewJob(parent, "w", slog.Default())
	require.NoError(t, job.Spawn(b.ctx, queue.Params{Name: "child", UniqueKey: "once"},
		queue.Params{Name: "child", Args: map[string]int{"i": 1}}))
	b.finish(t, ok(parent))
	require.Equal(t, queue.Children{Total: 1}, b.get(t, parent.ID).Children)
	require.Equal(t, 1, b.runAll(t, "child", ok))
	require.Equal(t, queue.StatusCompleted, b.get(t, parent.ID).Status)
	require.Equal(t, 1, b.countNamed(t, "parent_done"))
}
