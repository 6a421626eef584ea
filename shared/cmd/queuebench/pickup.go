package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// pickup enqueues one task at a time in this process and measures how long
// until a worker in another process started it (started_at - created_at),
// on an otherwise idle system.
func (b *bench) pickup() error {
	ctx := context.Background()
	path, q, err := b.open()
	if err != nil {
		return err
	}
	cmds, err := startWorkers(path, 1, 4)
	if err != nil {
		return err
	}
	defer stopWorkers(cmds)
	time.Sleep(time.Second)
	const n = 300
	var lat []time.Duration
	for i := 0; i < n; i++ {
		res, err := q.Enqueue(ctx, queue.Params{Name: "noop", NoDedup: true})
		if err != nil {
			return err
		}
		for {
			t, err := q.Get(ctx, res.Task.ID)
			if err != nil {
				return err
			}
			if t.StartedAt != nil {
				lat = append(lat, t.StartedAt.Sub(t.CreatedAt))
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(20 * time.Millisecond) // idle between tasks
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%-44s p50 %.2f ms, p95 %.2f ms, max %.2f ms\n", "pickup latency across processes",
		ms(lat[n/2]), ms(lat[n*95/100]), ms(lat[n-1]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// idle measures an idle worker process's CPU use over 10 s and its RSS.
func (b *bench) idle() error {
	path, _, err := b.open()
	if err != nil {
		return err
	}
	cmds, err := startWorkers(path, 1, 4)
	if err != nil {
		return err
	}
	defer stopWorkers(cmds)
	time.Sleep(2 * time.Second)
	pid := cmds[0].Process.Pid
	cpu0, err := cpuTicks(pid)
	if err != nil {
		return err
	}
	const window = 10 * time.Second
	time.Sleep(window)
	cpu1, _ := cpuTicks(pid)
	rss, err := rssKB(pid)
	if err != nil {
		return err
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	cpu := float64(cpu1-cpu0) / ticksPerSecond / window.Seconds() * 100
	fmt.Printf("%-44s CPU %.2f%% of a core, RSS %.1f MB\n", "idle worker process (4 slots)", cpu, float64(rss)/1024)
	return nil
}

func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime, nil
}

func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

var _ = queue.StatusPending
