package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

// stack is shelf as a user runs it: the real shelf-api and shelf-worker
// binaries as processes on one data folder (and one database), driven over
// the REST API.
type stack struct {
	api     *exec.Cmd
	workers []*exec.Cmd
	base    string // http://127.0.0.1:port
	logs    *bytes.Buffer
}

var client = &http.Client{Timeout: 30 * time.Second}

// buildServices builds shelf-api and shelf-worker from this workspace once.
func (b *bench) buildServices() error {
	if b.bins != "" {
		return nil
	}
	root, err := workspaceRoot()
	if err != nil {
		return err
	}
	dir := filepath.Join(b.dir, "bin")
	for _, name := range []string{"api", "worker"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "shelf-"+name), "./services/"+name)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building shelf-%s: %w\n%s", name, err, out)
		}
	}
	b.bins = dir
	return nil
}

func workspaceRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the current folder: run queuebench from the shelf tree (make bench)")
		}
		dir = parent
	}
}

// startStack starts the api and n workers on a fresh data folder and
// database. settings, if not empty, is written as settings.yaml first;
// empty leaves the shipped defaults (the services create the file).
func (b *bench) startStack(n int, settings string) (*stack, error) {
	if err := b.buildServices(); err != nil {
		return nil, err
	}
	b.seq++
	data := filepath.Join(b.dir, fmt.Sprintf("stack-%d", b.seq))
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	if settings != "" {
		if err := os.WriteFile(filepath.Join(data, "settings.yaml"), []byte(settings), 0o644); err != nil {
			return nil, err
		}
	}
	env := []string{"SHELF_DATA_DIR=" + data, "SHELF_LOG_LEVEL=warn"}
	if b.postgres != "" {
		url, err := freshPostgres(b.postgres, b.seq)
		if err != nil {
			return nil, err
		}
		env = append(env, "SHELF_DATABASE_URL="+url)
	}
	s := &stack{logs: &bytes.Buffer{}}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s.base = "http://" + addr
	if s.api, err = s.start(b.bins, "api", append(env, "SHELF_HTTP_ADDR="+addr)); err != nil {
		return nil, err
	}
	// The api migrates the database; workers start once it is ready.
	if err := waitHTTP(s.base+"/readyz", 60*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("shelf-api: %w\n%s", err, s.logs)
	}
	for i := 0; i < n; i++ {
		maddr, err := freeAddr()
		if err != nil {
			s.stop()
			return nil, err
		}
		w, err := s.start(b.bins, "worker", append(env, "SHELF_METRICS_ADDR="+maddr))
		if err != nil {
			s.stop()
			return nil, err
		}
		s.workers = append(s.workers, w)
		if err := waitHTTP("http://"+maddr+"/readyz", 60*time.Second); err != nil {
			s.stop()
			return nil, fmt.Errorf("shelf-worker: %w\n%s", err, s.logs)
		}
	}
	// Start-up enqueues the library pipeline's first tasks (title
	// database, an empty scan): let them finish before measuring.
	if err := s.waitIdle(60 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *stack) start(bins, name string, env []string) (*exec.Cmd, error) {
	cmd := exec.Command(filepath.Join(bins, "shelf-"+name))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHELF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting shelf-%s: %w", name, err)
	}
	return cmd, nil
}

// stop sends SIGTERM to every process and waits for them.
func (s *stack) stop() {
	procs := append([]*exec.Cmd{}, s.workers...)
	if s.api != nil {
		procs = append(procs, s.api)
	}
	for _, c := range procs {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range procs {
		_ = c.Wait()
	}
}

// workerCPU is the CPU time the worker processes used so far.
func (s *stack) workerCPU() time.Duration {
	var total int64
	for _, w := range s.workers {
		ticks, err := cpuTicks(w.Process.Pid)
		if err == nil {
			total += ticks
		}
	}
	return time.Duration(total) * time.Second / ticksPerSecond
}

// post enqueues a task through POST /api/tasks.
func (s *stack) post(name string, args any) (queue.Task, error) {
	body, err := json.Marshal(map[string]any{"name": name, "args": args})
	if err != nil {
		return queue.Task{}, err
	}
	resp, err := client.Post(s.base+"/api/tasks", "application/json", bytes.NewReader(body))
	if err != nil {
		return queue.Task{}, err
	}
	defer resp.Body.Close()
	var out struct {
		Task queue.Task `json:"task"`
	}
	if resp.StatusCode/100 != 2 {
		return queue.Task{}, fmt.Errorf("POST /api/tasks: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Task, err
}

// get reads one task through GET /api/tasks/{id}.
func (s *stack) get(id int64) (queue.Task, error) {
	resp, err := client.Get(fmt.Sprintf("%s/api/tasks/%d", s.base, id))
	if err != nil {
		return queue.Task{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return queue.Task{}, fmt.Errorf("GET /api/tasks/%d: %s", id, resp.Status)
	}
	var out struct {
		Task queue.Task `json:"task"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Task, err
}

// waitIdle waits until no task is due, running or waiting for children
// (periodic tasks wait for their next period as pending tasks due later).
func (s *stack) waitIdle(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		busy := 0
		for _, status := range []string{"pending", "running", "waiting_for_children"} {
			resp, err := client.Get(s.base + "/api/tasks?limit=100&status=" + status)
			if err != nil {
				return err
			}
			var out struct {
				Tasks []queue.Task `json:"tasks"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err != nil {
				return err
			}
			for _, t := range out.Tasks {
				if t.Status != queue.StatusPending || !t.RunAfter.After(time.Now()) {
					busy++
				}
			}
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the queue is still busy after %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s", url, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
