package main

// The three real binaries (api, worker, watcher), built from this tree, run as separate processes
// on one data folder and one database, as they do under `make run` and in containers.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/servicetest"
	"github.com/shelfhq/shelf/shared/storetest"
)

// deadline bounds every wait: generous, because a shared machine may be slow and this test
// checks behaviour, not speed.
const deadline = 3 * time.Minute

func TestThreeServicesShareOneQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the three binaries; skipped with -short")
	}
	bins := servicetest.Build(t)
	base := t.TempDir()
	data := filepath.Join(base, "data")
	library := filepath.Join(base, "library")
	require.NoError(t, os.MkdirAll(data, 0o755))
	require.NoError(t, os.MkdirAll(library, 0o755))
	settingsPath := filepath.Join(data, "settings.yaml")
	servicetest.WriteSettings(t, settingsPath, library, 2)

	env := []string{"SHELF_DATA_DIR=" + data, "SHELF_DATABASE_URL=" + storetest.NewDSN(t), "SHELF_LOG_LEVEL=debug"}
	apiAddr, workerAddr, watcherAddr := servicetest.FreeAddr(t), servicetest.FreeAddr(t), servicetest.FreeAddr(t)
	servicetest.Start(t, bins, "api", append(env, "SHELF_HTTP_ADDR="+apiAddr)...)
	worker := servicetest.Start(t, bins, "worker", append(env, "SHELF_METRICS_ADDR="+workerAddr, "SHELF_GRACE_PERIOD=1s")...)
	servicetest.Start(t, bins, "watcher", append(env, "SHELF_METRICS_ADDR="+watcherAddr)...)

	api := &apiClient{t: t, base: "http://" + apiAddr}
	servicetest.WaitFor(t, deadline, "the api to answer", func() bool { return api.status("/api/tasks") == http.StatusOK })
	servicetest.WaitFor(t, deadline, "the worker to be ready", func() bool { return servicetest.HTTPStatus("http://"+workerAddr+"/readyz") == http.StatusOK })
	servicetest.WaitFor(t, deadline, "the watcher to be ready", func() bool { return servicetest.HTTPStatus("http://"+watcherAddr+"/readyz") == http.StatusOK })

	t.Run("a task enqueued over HTTP completes on the worker", func(t *testing.T) {
		id := api.enqueue(map[string]any{"name": "echo", "args": map[string]any{"hello": "shelf"}})
		servicetest.WaitFor(t, deadline, "the echo task to complete", func() bool { return api.taskStatus(id) == "completed" })
	})

	t.Run("the worker follows worker.slots in settings.yaml", func(t *testing.T) {
		require.Equal(t, 2.0, servicetest.Gauge(t, "http://"+workerAddr+"/metrics", "shelf_worker_slots"))
		servicetest.WriteSettings(t, settingsPath, library, 5)
		servicetest.WaitFor(t, deadline, "shelf_worker_slots to become 5", func() bool {
			return servicetest.Gauge(t, "http://"+workerAddr+"/metrics", "shelf_worker_slots") == 5
		})
	})

	t.Run("a file dropped in the library becomes a handle_file_added task", func(t *testing.T) {
		path := filepath.Join(library, "Dropped Game [0100000000010000][v0].nsp")
		require.NoError(t, os.WriteFile(path, []byte("not really a game"), 0o644))
		servicetest.WaitFor(t, deadline, "handle_file_added for the file", func() bool {
			for _, task := range api.tasks("/api/tasks?name=handle_file_added") {
				if strings.Contains(string(task["args"]), filepath.Base(path)) {
					return true
				}
			}
			return false
		})
	})

	t.Run("SIGTERM hands a running task back and the worker exits 0", func(t *testing.T) {
		id := api.enqueue(map[string]any{"name": "sleep", "args": map[string]any{"seconds": 30}})
		servicetest.WaitFor(t, deadline, "the sleep task to run", func() bool { return api.taskStatus(id) == "running" })
		require.NoError(t, worker.Signal(syscall.SIGTERM))
		exited := make(chan error, 1)
		go func() { exited <- worker.Wait() }()
		select {
		case err := <-exited:
			require.NoError(t, err, "the worker exits 0; its log:\n%s", worker.Log())
		case <-time.After(deadline):
			t.Fatalf("the worker did not exit within %s of SIGTERM; its log:\n%s", deadline, worker.Log())
		}
		require.Equal(t, "pending", api.taskStatus(id), "the task goes back to the queue, not left running")
	})
}

// apiClient speaks to the REST API.
type apiClient struct {
	t    *testing.T
	base string
}

func (c *apiClient) status(path string) int { return servicetest.HTTPStatus(c.base + path) }

// do sends a request and decodes a 2xx JSON answer into v.
func (c *apiClient) do(method, path string, body any, v any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := servicetest.Client.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.True(c.t, resp.StatusCode >= 200 && resp.StatusCode < 300, "%s %s: %s\n%s", method, path, resp.Status, raw)
	require.NoError(c.t, json.Unmarshal(raw, v), "%s %s answered %s", method, path, raw)
}

// task decodes a task, bare or wrapped in {"task": …}.
func task(raw json.RawMessage) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	if inner, ok := obj["task"]; ok {
		return task(inner)
	}
	return obj
}

func (c *apiClient) enqueue(body any) int64 {
	c.t.Helper()
	var raw json.RawMessage
	c.do(http.MethodPost, "/api/tasks", body, &raw)
	var id int64
	require.NoError(c.t, json.Unmarshal(task(raw)["id"], &id), "no task id in %s", raw)
	return id
}

func (c *apiClient) taskStatus(id int64) string {
	c.t.Helper()
	var raw json.RawMessage
	c.do(http.MethodGet, fmt.Sprintf("/api/tasks/%d", id), nil, &raw)
	var status string
	_ = json.Unmarshal(task(raw)["status"], &status)
	return status
}

// tasks lists tasks: a bare array, or an object holding the array under "tasks" or "items".
func (c *apiClient) tasks(path string) []map[string]json.RawMessage {
	c.t.Helper()
	var raw json.RawMessage
	c.do(http.MethodGet, path, nil, &raw)
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		var obj map[string]json.RawMessage
		require.NoError(c.t, json.Unmarshal(raw, &obj))
		for _, key := range []string{"tasks", "items", "data"} {
			if json.Unmarshal(obj[key], &list) == nil && list != nil {
				break
			}
		}
	}
	out := make([]map[string]json.RawMessage, 0, len(list))
	for _, item := range list {
		out = append(out, task(item))
	}
	return out
}
