package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/storetest"
)

type testBundle struct {
	ctx  context.Context
	db   *gorm.DB
	path string
	reg  *queue.Registry
	q    *queue.Queue
	now  time.Time
}

// setup opens a fresh database file with the diagnostic tasks and a few
// test tasks registered. The queue's clock is fixed; tests move it.
func setup(t *testing.T, defs ...queue.Definition) *testBundle {
	t.Helper()
	ctx := context.Background()
	path, db := storetest.Open(t)
	b := &testBundle{ctx: ctx, db: db, path: path, reg: queue.NewRegistry(), now: time.Now()}
	diagnostic.Register(b.reg)
	noop := func(context.Context, *queue.Job) error { return nil }
	b.reg.Register(queue.Definition{Name: "parent", Handler: noop, Continuation: "parent_done"})
	b.reg.Register(queue.Definition{Name: "parent_done", Handler: noop})
	b.reg.Register(queue.Definition{Name: "child", Handler: noop})
	for _, d := range defs {
		b.reg.Register(d)
	}
	b.q = queue.New(db, b.reg, queue.Options{
		Now:     func() time.Time { return b.now },
		Backoff: func(int) time.Duration { return time.Minute },
	})
	return b
}

func (b *testBundle) enqueue(t *testing.T, p queue.Params) queue.Task {
	t.Helper()
	res, err := b.q.Enqueue(b.ctx, p)
	require.NoError(t, err)
	return res.Task
}

func (b *testBundle) claimOne(t *testing.T, worker string) queue.Task {
	t.Helper()
	tasks, err := b.q.Claim(b.ctx, worker, 1)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	return tasks[0]
}

func (b *testBundle) finish(t *testing.T, o queue.Outcome) {
	t.Helper()
	errs, err := b.q.Finish(b.ctx, []queue.Outcome{o})
	require.NoError(t, err)
	require.NoError(t, errs[0])
}

func (b *testBundle) get(t *testing.T, id int64) queue.Task {
	t.Helper()
	task, err := b.q.Get(b.ctx, id)
	require.NoError(t, err)
	return task
}

func (b *testBundle) countNamed(t *testing.T, name string) int {
	t.Helper()
	var n int64
	require.NoError(t, b.db.Raw("SELECT COUNT(*) FROM tasks WHERE name = ?", name).Scan(&n).Error)
	return int(n)
}

type gormDB = gorm.DB
