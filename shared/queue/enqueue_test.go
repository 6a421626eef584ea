package queue_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

func TestEnqueueUnknownNameIsAnError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.q.Enqueue(b.ctx, queue.Params{Name: "no_such_task"})
	require.ErrorIs(t, err, queue.ErrUnknownTask)
}

func TestEnqueueRejectsArgsThatAreNotAnObject(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, args := range []string{`[1,2]`, `"x"`, `{"a":`, `{} {}`} {
		_, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", Args: json.RawMessage(args)})
		require.ErrorIs(t, err, queue.ErrInvalidArgs, args)
	}
}

func TestEnqueueStoresOptions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runAfter := b.now.Add(time.Hour)
	task := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"b": 2, "a": 1},
		Priority: -3, RunAfter: runAfter, Delay: time.Minute, MaxAttempts: 9})
	require.Equal(t, queue.StatusPending, task.Status)
	require.JSONEq(t, `{"a":1,"b":2}`, string(task.Args))
	require.Equal(t, -3, task.Priority)
	require.Equal(t, 9, task.MaxAttempts)
	require.WithinDuration(t, runAfter.Add(time.Minute), task.RunAfter, time.Millisecond)
}

func TestDuplicateEnqueueReturnsThePendingTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", Args: json.RawMessage(`{"x": 1, "y": [1.0]}`)})
	require.NoError(t, err)
	require.False(t, first.Deduplicated)
	// Same args in another spelling: same key.
	second, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", Args: json.RawMessage(`{"y":[1],"x":1}`)})
	require.NoError(t, err)
	require.True(t, second.Deduplicated)
	require.Equal(t, first.Task.ID, second.Task.ID)

	other, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", Args: map[string]int{"x": 2}})
	require.NoError(t, err)
	require.False(t, other.Deduplicated)

	explicit1 := b.enqueue(t, queue.Params{Name: "echo", Args: map[string]int{"x": 3}, DedupKey: "k"})
	explicit2, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", Args: map[string]int{"x": 4}, DedupKey: "k"})
	require.NoError(t, err)
	require.True(t, explicit2.Deduplicated)
	require.Equal(t, explicit1.ID, explicit2.Task.ID)
}

func TestRunningTaskKeepsOnePendingFollowUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.enqueue(t, queue.Params{Name: "echo"})
	running := b.claimOne(t, "w1")
	require.Equal(t, first.ID, running.ID)

	followUp, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo"})
	require.NoError(t, err)
	require.False(t, followUp.Deduplicated, "a running task must not swallow a new request")
	again, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo"})
	require.NoError(t, err)
	require.True(t, again.Deduplicated)
	require.Equal(t, followUp.Task.ID, again.Task.ID)

	// The running one fails and goes back to pending: both stay, the
	// follow-up keeps the key.
	b.finish(t, queue.Outcome{Ref: queue.RefOf(running), Err: errString("boom")})
	require.Equal(t, queue.StatusPending, b.get(t, running.ID).Status)
	require.Equal(t, followUp.Task.DedupKey, b.get(t, followUp.Task.ID).DedupKey)
}

func TestNoDedupCreatesEveryTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.enqueue(t, queue.Params{Name: "echo", NoDedup: true})
	c := b.enqueue(t, queue.Params{Name: "echo", NoDedup: true})
	require.NotEqual(t, a.ID, c.ID)
}

func TestEnqueueManyInsertsInBatches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ps := make([]queue.Params, 1234)
	for i := range ps {
		ps[i] = queue.Params{Name: "echo", Args: map[string]int{"i": i}}
	}
	ps = append(ps, queue.Params{Name: "echo", Args: map[string]int{"i": 0}}) // duplicate
	n, err := b.q.EnqueueMany(b.ctx, ps)
	require.NoError(t, err)
	require.Equal(t, 1234, n)
	require.Equal(t, 1234, b.countNamed(t, "echo"))
}

// A batch binds unique_key and parent_id only for the chunks that use them;
// rows with and without either, in one chunk or apart, keep what they set.
func TestEnqueueManyKeepsEachRowsKeysAndOptions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.enqueue(t, queue.Params{Name: "echo", UniqueKey: "taken"})
	ps := []queue.Params{
		{Name: "echo", Args: map[string]int{"i": 1}, Priority: 3, MaxAttempts: 7},
		{Name: "echo", Args: map[string]int{"i": 2}, UniqueKey: "once"},
		{Name: "echo", Args: map[string]int{"i": 3}, UniqueKey: "taken"}, // skipped
		{Name: "echo", Args: map[string]int{"i": 4}, DedupKey: "mine"},
		{Name: "echo", Args: map[string]int{"i": 5}, NoDedup: true},
	}
	n, err := b.q.EnqueueMany(b.ctx, ps)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	type row struct {
		Args                string
		Status              string
		Priority            int
		MaxAttempts         int
		DedupKey, UniqueKey *string
		ParentID            *int64
	}
	var rows []row
	require.NoError(t, b.db.Raw(`SELECT args, status, priority, max_attempts, dedup_key, unique_key, parent_id
		FROM tasks WHERE args <> '{}' ORDER BY id`).Scan(&rows).Error)
	require.Len(t, rows, 4)
	str := func(s string) *string { return &s }
	def := func(i int) *string {
		return str(queue.DefaultDedupKey("echo", []byte(fmt.Sprintf(`{"i":%d}`, i))))
	}
	require.Equal(t, []row{
		{Args: `{"i":1}`, Status: "pending", Priority: 3, MaxAttempts: 7, DedupKey: def(1)},
		{Args: `{"i":2}`, Status: "pending", MaxAttempts: rows[1].MaxAttempts, DedupKey: def(2), UniqueKey: str("once")},
		{Args: `{"i":4}`, Status: "pending", MaxAttempts: rows[2].MaxAttempts, DedupKey: str("mine")},
		{Args: `{"i":5}`, Status: "pending", MaxAttempts: rows[3].MaxAttempts},
	}, rows)
	require.Positive(t, rows[1].MaxAttempts)
}

// Batch inserts run with SQLite's foreign-key checks off (see writeInserts);
// whatever happens to the batch, the write connection checks them again.
func TestBatchInsertsLeaveForeignKeysChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	checked := func() bool {
		on, err := queue.ForeignKeysChecked(b.ctx, b.q)
		require.NoError(t, err)
		return on
	}
	require.True(t, checked())
	_, err := b.q.EnqueueMany(b.ctx, []queue.Params{{Name: "parent"}, {Name: "echo"}, {Name: "echo"}})
	require.NoError(t, err)
	require.True(t, checked())
	require.Equal(t, 1, b.countNamed(t, "echo"))

	// A Spawn that commits, then one refused inside its transaction.
	parent := b.claimOne(t, "w")
	job := b.q.NewJob(parent, "w", slog.Default())
	require.NoError(t, job.Spawn(b.ctx, queue.Params{Name: "child"}))
	require.True(t, checked())
	b.now = b.now.Add(b.q.LeaseTimeout() * 2)
	_, err = b.q.RescueExpired(b.ctx)
	require.NoError(t, err)
	require.ErrorIs(t, job.Spawn(b.ctx, queue.Params{Name: "child"}), queue.ErrLeaseLost)
	require.True(t, checked())
	require.Equal(t, 1, b.countNamed(t, "child"))
}

func TestEnqueueTxCommitsWithTheCallersTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	err := b.db.Transaction(func(tx *gormDB) error {
		_, err := b.q.EnqueueTx(tx, queue.Params{Name: "echo", Args: map[string]int{"rolled": 1}})
		require.NoError(t, err)
		return errString("roll back")
	})
	require.Error(t, err)
	require.Equal(t, 0, b.countNamed(t, "echo"))
	require.NoError(t, b.db.Transaction(func(tx *gormDB) error {
		_, err := b.q.EnqueueTx(tx, queue.Params{Name: "echo"})
		return err
	}))
	require.Equal(t, 1, b.countNamed(t, "echo"))
}

type errString string

func (e errString) Error() string { return string(e) }
