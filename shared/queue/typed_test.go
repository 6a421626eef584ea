package queue_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

type resizeArgs struct {
	Width int `json:"width"`
}

func (resizeArgs) Kind() string { return "resize" }

// run claims the next task and runs it with the handler its registry names.
func (b *testBundle) run(t *testing.T) (queue.Task, error) {
	t.Helper()
	task := b.claimOne(t, "w")
	def, ok := b.reg.Lookup(task.Name)
	require.True(t, ok, task.Name)
	return task, def.Handler(b.ctx, b.q.NewJob(task, "w", slog.Default()))
}

func TestDefineNamesTheTaskByItsArgsAndHandsThemOverDecoded(t *testing.T) {
	t.Parallel()
	var got resizeArgs
	b := setup(t, queue.Define(func(_ context.Context, _ *queue.Job, a resizeArgs) error {
		got = a
		return nil
	}))
	task := b.enqueue(t, queue.NewParams(resizeArgs{Width: 640}))
	require.Equal(t, "resize", task.Name)

	_, err := b.run(t)
	require.NoError(t, err)
	require.Equal(t, resizeArgs{Width: 640}, got)
}

func TestArgsWithAnUnknownFieldFailPermanently(t *testing.T) {
	t.Parallel()
	called := false
	b := setup(t, queue.Define(func(context.Context, *queue.Job, resizeArgs) error {
		called = true
		return nil
	}))
	b.enqueue(t, queue.Params{Name: "resize", Args: map[string]int{"widht": 640}})

	_, err := b.run(t)
	require.ErrorIs(t, err, queue.ErrInvalidArgs)
	require.True(t, queue.IsPermanent(err))
	require.False(t, called, "the handler must not run with args it cannot read")
}

func TestDefineKeepsTheBaseDefinitionsOtherFields(t *testing.T) {
	t.Parallel()
	d := queue.Define(func(context.Context, *queue.Job, resizeArgs) error { return nil },
		queue.Definition{Name: "ignored", Continuation: "resize_done", MaxAttempts: 2})
	require.Equal(t, "resize", d.Name)
	require.Equal(t, "resize_done", d.Continuation)
	require.Equal(t, 2, d.MaxAttempts)
}

func TestAContinuationGetsItsParentsArgsDecoded(t *testing.T) {
	t.Parallel()
	var got queue.Continued[resizeArgs]
	b := setup(t,
		queue.Define(func(ctx context.Context, job *queue.Job, _ resizeArgs) error {
			return job.Spawn(ctx, queue.Params{Name: "child"}, queue.Params{Name: "child"})
		}, queue.Definition{Continuation: "resize_done"}),
		queue.DefineContinuation("resize_done", func(_ context.Context, _ *queue.Job, c queue.Continued[resizeArgs]) error {
			got = c
			return nil
		}))
	b.enqueue(t, queue.NewParams(resizeArgs{Width: 320}))
	parent, err := b.run(t)
	require.NoError(t, err)
	b.finish(t, ok(parent))
	require.Equal(t, 2, b.runAll(t, "child", ok))

	cont, err := b.run(t)
	require.NoError(t, err)
	require.Equal(t, "resize_done", cont.Name)
	require.Equal(t, queue.Continued[resizeArgs]{ParentID: parent.ID, ParentName: "resize",
		Parent: resizeArgs{Width: 320}, Children: queue.Children{Total: 2, Completed: 2}}, got)
}
