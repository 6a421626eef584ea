package worker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/testprocess"
)

// startProcess runs this test binary in role on the database at dbPath.
func startProcess(t *testing.T, role, dbPath string, env ...string) *testprocess.Process {
	t.Helper()
	return testprocess.Start(t, role, append([]string{"SHELF_TEST_DB=" + dbPath}, env...)...)
}

func newDB(t *testing.T) (string, *gorm.DB, *queue.Queue) {
	t.Helper()
	path := storetest.NewDSN(t)
	db, err := openTestDB(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(db) })
	return path, db, queue.New(db, registry(), queue.Options{})
}

func countWhere(t *testing.T, db *gorm.DB, query string, args ...any) int {
	t.Helper()
	var n int64
	require.NoError(t, db.Raw(query, args...).Scan(&n).Error)
	return int(n)
}

// patience bounds every wait of these tests: generous, because a shared machine may be slow
// and the tests check behaviour, not speed.
const patience = 3 * time.Minute

func TestFourProcessesDrainTenThousandTasksEachExactlyOnce(t *testing.T) {
	path, db, q := newDB(t)
	ps := make([]queue.Params, 10_000)
	for i := range ps {
		ps[i] = queue.Params{Name: "record", Args: map[string]int{"i": i}}
	}
	n, err := q.EnqueueMany(context.Background(), ps)
	require.NoError(t, err)
	require.Equal(t, 10_000, n)

	var procs []*testprocess.Process
	for i := 0; i < 4; i++ {
		procs = append(procs, startProcess(t, "worker", path, "SHELF_TEST_SLOTS=8"))
	}
	eventually.Holds(t, patience, "all tasks completed", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status = 'completed'") == 10_000
	})
	for _, p := range procs {
		p.Stop(t)
		require.NotContains(t, p.Stderr(), "database is locked")
		require.NotContains(t, p.Stderr(), "SQLITE_BUSY")
	}
	require.Equal(t, 10_000, countWhere(t, db, "SELECT COUNT(DISTINCT task_id) FROM test_runs"))
	require.Equal(t, 10_000, countWhere(t, db, "SELECT COUNT(*) FROM test_runs"), "no task ran twice")
	require.Equal(t, 4, countWhere(t, db, "SELECT COUNT(DISTINCT worker) FROM test_runs"), "every process took part")
}

func TestEightProcessesEnqueueingTheSameKeyCreateOneTask(t *testing.T) {
	path, db, _ := newDB(t)
	start := filepath.Join(t.TempDir(), "go")
	var procs []*testprocess.Process
	for i := 0; i < 8; i++ {
		procs = append(procs, startProcess(t, "enqueue-same-key", path, "SHELF_TEST_GO="+start))
	}
	require.NoError(t, os.WriteFile(start, nil, 0o644))
	created := 0
	for _, p := range procs {
		require.NoError(t, p.Wait(), p.Stderr())
		n, err := strconv.Atoi(strings.TrimSpace(p.Stdout()))
		require.NoError(t, err)
		created += n
	}
	require.Equal(t, 1, created, "exactly one enqueue created the task")
	require.Equal(t, 1, countWhere(t, db, "SELECT COUNT(*) FROM tasks"))
}

func TestKilledWorkerMidFanoutLosesNothingAndTheContinuationRunsOnce(t *testing.T) {
	path, db, q := newDB(t)
	lease := []string{"SHELF_TEST_LEASE=2s", "SHELF_TEST_SLOTS=4"}
	victim := startProcess(t, "worker", path, lease...)
	survivor := startProcess(t, "worker", path, lease...)

	res, err := q.Enqueue(context.Background(), queue.Params{Name: "fanout",
		Args: map[string]any{"children": 1000, "child": map[string]any{"name": "sleep", "args": map[string]float64{"seconds": 0.01}}}})
	require.NoError(t, err)
	parent := res.Task.ID
	eventually.Holds(t, patience, "the victim to be running children", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE parent_id = ? AND status = 'completed'", parent) > 100 &&
			countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status = 'running' AND worker LIKE ?",
				fmt.Sprintf("%%-%d-%%", victim.Pid())) > 0
	})
	victim.Kill(t) // SIGKILL: no chance to clean up

	eventually.Holds(t, patience, "the fan-out to complete", func() bool {
		task, err := q.Get(context.Background(), parent)
		require.NoError(t, err)
		return task.Status == queue.StatusCompleted
	})
	require.Equal(t, 1000, countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE parent_id = ? AND status = 'completed'", parent))
	eventually.Holds(t, patience, "the continuation to complete", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'fanout_done' AND status = 'completed'") == 1
	})
	require.Equal(t, 1, countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'fanout_done'"))
	require.Greater(t, countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE parent_id = ? AND attempts > 1", parent), 0,
		"some children were rescued from the killed worker")
	survivor.Stop(t)
}

// Tasks a worker claimed ahead of its busy slots are running in the
// database, held by that worker's lease. SIGKILLed, it can't hand them back:
// another process rescues them once the lease expires and runs each once.
func TestAKilledWorkersTasksClaimedAheadAreRescuedAfterTheLease(t *testing.T) {
	path, db, q := newDB(t)
	ctx := context.Background()
	warmUp := make([]queue.Params, 20)
	for i := range warmUp {
		warmUp[i] = queue.Params{Name: "echo", NoDedup: true}
	}
	_, err := q.EnqueueMany(ctx, warmUp)
	require.NoError(t, err)
	victim := startProcess(t, "worker", path, "SHELF_TEST_LEASE=2s", "SHELF_TEST_SLOTS=1",
		"SHELF_TEST_AHEAD_HOLD=10m")
	eventually.Holds(t, patience, "the victim to run the warm-up tasks", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'echo' AND status = 'completed'") == 20
	})
	_, err = q.Enqueue(ctx, queue.Params{Name: "sleep", Args: map[string]float64{"seconds": 600}})
	require.NoError(t, err)
	eventually.Holds(t, patience, "the victim's only slot to be busy", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'sleep' AND status = 'running'") == 1
	})
	records := make([]queue.Params, 30)
	for i := range records {
		records[i] = queue.Params{Name: "record", NoDedup: true}
	}
	_, err = q.EnqueueMany(ctx, records)
	require.NoError(t, err)
	victimTasks := fmt.Sprintf("%%-%d-%%", victim.Pid())
	eventually.Holds(t, patience, "the victim to claim tasks ahead of its busy slot", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'record' AND status = 'running' AND worker LIKE ?",
			victimTasks) > 0
	})
	victim.Kill(t) // SIGKILL: no chance to hand anything back
	claimedAhead := countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'record' AND status = 'running'")
	require.Zero(t, countWhere(t, db, "SELECT COUNT(*) FROM test_runs"), "the victim ran none of them")

	survivor := startProcess(t, "worker", path, "SHELF_TEST_SLOTS=4")
	eventually.Holds(t, patience, "every record task to complete", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE name = 'record' AND status = 'completed'") == 30
	})
	require.Equal(t, 30, countWhere(t, db, "SELECT COUNT(DISTINCT task_id) FROM test_runs"))
	require.Equal(t, 30, countWhere(t, db, "SELECT COUNT(*) FROM test_runs"), "no task ran twice")
	require.Equal(t, claimedAhead, countWhere(t, db,
		"SELECT COUNT(*) FROM tasks WHERE name = 'record' AND attempts = 2 AND error LIKE 'lease expired%'"),
		"the tasks the victim held were rescued (an attempt used) and run")
	survivor.Stop(t)
}
