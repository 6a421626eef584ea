package queue_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

// A worker records hundreds of outcomes per commit: the parent and every one
// of its children in one Finish, some of them failing, must still complete
// the parent once and enqueue its continuation once, with exact counts.
func TestOneFinishOfAParentAndAllItsChildrenCompletesItAndEnqueuesTheContinuationOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent"})
	parent := b.claimOne(t, "w")
	b.spawn(t, parent, 300, "child")
	children, err := b.q.Claim(b.ctx, "w", 1000)
	require.NoError(t, err)
	require.Len(t, children, 300)

	outs := []queue.Outcome{ok(parent)}
	for i, c := range children {
		o := ok(c)
		if i%10 == 0 {
			o.Err = queue.Permanent(errors.New("bad child"))
		}
		if i%3 == 0 {
			o.Result = []byte(`{"i":1}`)
		}
		outs = append(outs, o)
	}
	errs, err := b.q.Finish(b.ctx, outs)
	require.NoError(t, err)
	for _, e := range errs {
		require.NoError(t, e)
	}

	got := b.get(t, parent.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, queue.Children{Total: 300, Completed: 270, Failed: 30}, got.Children)
	require.Equal(t, 100.0, got.Progress)
	require.Equal(t, 1, b.countNamed(t, "parent_done"))
	require.JSONEq(t, `{"i":1}`, string(b.get(t, children[3].ID).Result), "each task keeps its own result")
	require.Empty(t, b.get(t, children[1].ID).Result)
}

// Children of several parents, and a grandparent whose only child is one of
// those parents, finished in one batch: each parent is counted once per
// batch, and completing a parent counts it on the grandparent in the same
// transaction.
func TestOneFinishCountsChildrenOfSeveralParentsAndCompletesTheGrandparent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "parent", Args: map[string]int{"g": 1}})
	grand := b.claimOne(t, "w")
	b.spawn(t, grand, 2, "parent")
	b.finish(t, ok(grand))
	parents, err := b.q.Claim(b.ctx, "w", 10)
	require.NoError(t, err)
	require.Len(t, parents, 2)
	for _, p := range parents {
		b.spawn(t, p, 40, "child")
	}
	_, err = b.q.Finish(b.ctx, []queue.Outcome{ok(parents[0]), ok(parents[1])})
	require.NoError(t, err)

	children, err := b.q.Claim(b.ctx, "w", 1000)
	require.NoError(t, err)
	require.Len(t, children, 80)
	outs := make([]queue.Outcome, len(children))
	for i, c := range children {
		outs[i] = ok(c)
	}
	_, err = b.q.Finish(b.ctx, outs)
	require.NoError(t, err)

	for _, p := range parents {
		got := b.get(t, p.ID)
		require.Equal(t, queue.StatusCompleted, got.Status)
		require.Equal(t, queue.Children{Total: 40, Completed: 40}, got.Children)
	}
	got := b.get(t, grand.ID)
	require.Equal(t, queue.StatusCompleted, got.Status)
	require.Equal(t, queue.Children{Total: 2, Completed: 2}, got.Children)
	require.Equal(t, 3, b.countNamed(t, "parent_done"), "one continuation per parent and one for the grandparent")
}
