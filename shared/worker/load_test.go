package worker_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadDuration is short in `make test`; `make soak` sets SHELF_LOAD_DURATION=60s.
func loadDuration() string {
	if d := os.Getenv("SHELF_LOAD_DURATION"); d != "" {
		return d
	}
	return "4s"
}

func TestEightProcessesEnqueueingAndDrainingSeeNoBusyErrors(t *testing.T) {
	path, db, q := newDB(t)
	var procs []*proc
	for i := 0; i < 8; i++ {
		procs = append(procs, startProcess(t, "load", path, "SHELF_TEST_DURATION="+loadDuration()))
	}
	total := 0
	for _, p := range procs {
		require.NoError(t, p.cmd.Wait(), p.stderr.String())
		var enqueued, errs int
		_, err := fmt.Sscan(strings.TrimSpace(p.stdout.String()), &enqueued, &errs)
		require.NoError(t, err, p.stdout.String())
		if errs > 0 {
			t.Logf("stdout: %q\nstderr: %q", p.stdout.String(), p.stderr.String())
		}
		require.Zero(t, errs, "errors reached a caller")
		require.NotContains(t, p.stderr.String(), "database is locked")
		require.NotContains(t, p.stderr.String(), "SQLITE_BUSY")
		total += enqueued
	}
	// Whatever the pools left pending, the queue is consistent: every task
	// is pending or completed, none stuck running.
	require.Equal(t, total, countWhere(t, db, "SELECT COUNT(*) FROM tasks"))
	require.Zero(t, countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status NOT IN ('pending', 'completed')"))
	t.Logf("8 processes enqueued %d tasks in %s; %d completed; %d db busy retries in this process",
		total, loadDuration(), countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status = 'completed'"), q.BusyRetries())
}
