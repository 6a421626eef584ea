package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildAPI builds shelf-api from this workspace into dir: the bench reads
// GET /api/tasks from the real server while the pipeline runs.
func buildAPI(dir string) (string, error) {
	root, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", errors.New("no go.work above the current folder: run pipelinebench from the shelf tree (make bench)")
		}
		root = parent
	}
	bin := filepath.Join(dir, "shelf-api")
	cmd := exec.Command("go", "build", "-o", bin, "./services/api")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building shelf-api: %w\n%s", err, out)
	}
	return bin, nil
}

// startAPI starts shelf-api on the bench's data folder and database and
// returns its base URL once it answers /readyz, and a function that stops it.
func startAPI(bin, data, dsn string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHELF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SHELF_DATA_DIR="+data, "SHELF_DATABASE_URL="+dsn, "SHELF_HTTP_ADDR="+addr,
		"SHELF_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("shelf-api did not become ready: %v", err)
		}
	}
}

// probe reads GET /api/tasks (the task list the web UI polls) every
// interval until stopped, and keeps each request's latency.
type probe struct {
	mu        sync.Mutex
	latencies []time.Duration
	errors    int
	done      chan struct{}
	stopped   chan struct{}
}

func startProbe(base string, interval time.Duration) *probe {
	p := &probe{done: make(chan struct{}), stopped: make(chan struct{})}
	client := &http.Client{Timeout: 30 * time.Second}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
			}
			start := time.Now()
			resp, err := client.Get(base + "/api/tasks")
			d := time.Since(start)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				resp.Body.Close()
			}
			p.mu.Lock()
			if ok {
				p.latencies = append(p.latencies, d)
			} else {
				p.errors++
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// stop ends the probe and returns its latencies, sorted.
func (p *probe) stop() ([]time.Duration, int) {
	close(p.done)
	<-p.stopped
	slices.Sort(p.latencies)
	return p.latencies, p.errors
}

// percentile of sorted latencies (0 when there are none).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// peakRSS is a process's peak resident set (VmHWM), in bytes.
func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
