package worker_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/worker"
)

// smallDisk mounts a tmpfs of size bytes; it needs root (CI runs as root).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mounting a small tmpfs needs root: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file until the disk is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	return path
}

func TestFullDiskFailsWithAClearErrorAndWorkResumesWhenSpaceReturns(t *testing.T) {
	if storetest.Backend() != "sqlite" {
		t.Skip("the data volume of a SQLite install; " + storetest.Describe())
	}
	ctx := context.Background()
	dir := smallDisk(t, "8m")
	db, err := openTestDB(ctx, filepath.Join(dir, "shelf.db"))
	require.NoError(t, err)
	defer store.Close(db)
	q := queue.New(db, registry(), queue.Options{})
	pool := worker.New(q, worker.Config{Slots: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = pool.Run(runCtx) }()
	defer func() { stop(); <-done }()

	filler := fill(t, dir)
	// Enqueue until the database can't grow: the caller gets a clear error.
	var fullErr error
	big := strings.Repeat("x", 32<<10)
	for i := 0; i < 10_000 && fullErr == nil; i++ {
		_, fullErr = q.Enqueue(ctx, queue.Params{Name: "record", Args: map[string]any{"i": i, "pad": big}})
	}
	require.Error(t, fullErr)
	require.Contains(t, strings.ToLower(fullErr.Error()), "full", "the error says the disk is full")

	// Space returns: the queue goes on where it stopped.
	require.NoError(t, os.Remove(filler))
	res, err := q.Enqueue(ctx, queue.Params{Name: "record", Args: map[string]int{"after": 1}})
	require.NoError(t, err)
	eventually.Holds(t, patience, "tasks completed after space returned", func() bool {
		task, err := q.Get(ctx, res.Task.ID)
		require.NoError(t, err)
		return task.Status == queue.StatusCompleted
	})
	eventually.Holds(t, patience, "no task left behind", func() bool {
		return countWhere(t, db, "SELECT COUNT(*) FROM tasks WHERE status <> 'completed'") == 0
	})
	problems, err := store.IntegrityCheck(ctx, db)
	require.NoError(t, err)
	require.Empty(t, problems)
}
