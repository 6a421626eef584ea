package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// pickup enqueues one task at a time through the REST API and measures how
// long until a real worker process (shipped defaults) started it
// (started_at - created_at, both written by the database's clients), on an
// otherwise idle system.
func (b *bench) pickup() error {
	s, err := b.startStack(1, "")
	if err != nil {
		return err
	}
	defer s.stop()
	const n = 300
	var lat []time.Duration
	for i := 0; i < n; i++ {
		task, err := s.post("echo", map[string]int{"i": i})
		if err != nil {
			return err
		}
		for {
			t, err := s.get(task.ID)
			if err != nil {
				return err
			}
			if t.StartedAt != nil {
				lat = append(lat, t.StartedAt.Sub(t.CreatedAt))
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // idle between tasks
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%-52s p50 %.2f ms, p95 %.2f ms, max %.2f ms\n", "pickup latency, REST → worker process, defaults",
		ms(lat[n/2]), ms(lat[n*95/100]), ms(lat[n-1]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// idle measures an idle worker process's (shipped defaults) CPU use over
// 10 s and its RSS.
func (b *bench) idle() error {
	s, err := b.startStack(1, "")
	if err != nil {
		return err
	}
	defer s.stop()
	time.Sleep(2 * time.Second)
	pid := s.workers[0].Process.Pid
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
	cpu := float64(cpu1-cpu0) / ticksPerSecond / window.Seconds() * 100
	fmt.Printf("%-52s CPU %.2f%% of a core, RSS %.1f MB\n", "idle worker process, defaults", cpu, float64(rss)/1024)
	return nil
}

// ticksPerSecond is USER_HZ on Linux, the unit of /proc/<pid>/stat's times.
const ticksPerSecond = 100

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
