package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

func TestActivityCountsTheQueueNowAndWhatFinishedInTheWindow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	start := b.now
	for range 3 {
		b.enqueue(t, queue.Params{Name: "echo", NoDedup: true})
		b.finish(t, ok(b.claimOne(t, "w")))
	}
	b.enqueue(t, queue.Params{Name: "echo", NoDedup: true, MaxAttempts: 1})
	b.finish(t, queue.Outcome{Ref: queue.RefOf(b.claimOne(t, "w")), Err: queue.Permanent(errString("bad"))})
	b.enqueue(t, queue.Params{Name: "echo", NoDedup: true, MaxAttempts: 3})
	b.finish(t, queue.Outcome{Ref: queue.RefOf(b.claimOne(t, "w")), Err: errString("again")}) // back to pending
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 2, "child")
	b.finish(t, ok(parent))
	b.claimOne(t, "w") // one child runs

	b.now = start.Add(time.Minute)                                        // later finishes fall outside the window
	b.enqueue(t, queue.Params{Name: "echo", NoDedup: true, Priority: -1}) // claimed before the due retry
	b.finish(t, ok(b.claimOne(t, "w")))

	got, err := b.q.Activity(b.ctx, start, start.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, queue.Activity{Pending: 2, Running: 1, Waiting: 1, Completed: 3, Failed: 1}, got)

	got, err = b.q.Activity(b.ctx, start.Add(time.Second), start.Add(2*time.Minute))
	require.NoError(t, err)
	require.Equal(t, queue.Activity{Pending: 2, Running: 1, Waiting: 1, Completed: 1}, got, "each finish is in one window")
}
