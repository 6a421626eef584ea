package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

func startWorkers(path string, n, slots int) ([]*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var cmds []*exec.Cmd
	for i := 0; i < n; i++ {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), "QUEUEBENCH_ROLE=worker", "QUEUEBENCH_DB="+path,
			fmt.Sprintf("QUEUEBENCH_SLOTS=%d", slots))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		cmds = append(cmds, cmd)
	}
	return cmds, nil
}

func stopWorkers(cmds []*exec.Cmd) {
	for _, c := range cmds {
		_ = c.Process.Signal(os.Interrupt)
	}
	for _, c := range cmds {
		_ = c.Wait()
	}
}

func countStatus(ctx context.Context, q *queue.Queue, status queue.Status) (int, error) {
	var n int64
	err := q.DB().WithContext(ctx).Raw("SELECT COUNT(*) FROM tasks WHERE status = ?", string(status)).Scan(&n).Error
	return int(n), err
}

// drain pre-enqueues no-op tasks, starts procs worker processes and times
// until every task is completed.
func (b *bench) drain(procs int) error {
	ctx := context.Background()
	path, q, err := b.open()
	if err != nil {
		return err
	}
	ps := make([]queue.Params, b.drainN)
	for i := range ps {
		ps[i] = queue.Params{Name: "noop", NoDedup: true}
	}
	if _, err := q.EnqueueMany(ctx, ps); err != nil {
		return err
	}
	start := time.Now()
	cmds, err := startWorkers(path, procs, 64)
	if err != nil {
		return err
	}
	defer stopWorkers(cmds)
	for {
		n, err := countStatus(ctx, q, queue.StatusCompleted)
		if err != nil {
			return err
		}
		if n == b.drainN {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("only %d of %d completed after 5 minutes", n, b.drainN)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.report(fmt.Sprintf("drain %d no-op tasks, %d worker process(es)", b.drainN, procs),
		float64(b.drainN)/elapsed.Seconds(), "tasks/s", "(includes process start-up)")
	return nil
}
