package systemtest

// The three real binaries (api, worker, watcher), built from this tree, run as separate processes
// on one data folder and one database, as they do under `make run` and in containers.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
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

	ctx := context.Background()
	client := &servicetest.API{Base: "http://" + apiAddr}
	eventually.Holds(t, deadline, "the api to answer", func() bool { return client.Ready(ctx) == nil })
	eventually.Holds(t, deadline, "the worker to be ready", func() bool { return servicetest.HTTPStatus("http://"+workerAddr+"/readyz") == http.StatusOK })
	eventually.Holds(t, deadline, "the watcher to be ready", func() bool { return servicetest.HTTPStatus("http://"+watcherAddr+"/readyz") == http.StatusOK })

	t.Run("a task enqueued over HTTP completes on the worker", func(t *testing.T) {
		id := enqueue(t, client, api.CreateTaskRequest{Name: diagnostic.Echo, Args: servicetest.Args(map[string]any{"hello": "shelf"})})
		eventually.Holds(t, deadline, "the echo task to complete", func() bool { return taskStatus(t, client, id) == queue.StatusCompleted })
	})

	t.Run("the worker follows worker.slots in settings.yaml", func(t *testing.T) {
		require.Equal(t, 2.0, servicetest.Gauge(t, "http://"+workerAddr+"/metrics", "shelf_worker_slots"))
		servicetest.WriteSettings(t, settingsPath, library, 5)
		eventually.Holds(t, deadline, "shelf_worker_slots to become 5", func() bool {
			return servicetest.Gauge(t, "http://"+workerAddr+"/metrics", "shelf_worker_slots") == 5
		})
	})

	t.Run("a file dropped in the library becomes a handle_file_added task", func(t *testing.T) {
		path := filepath.Join(library, "Dropped Game [0100000000010000][v0].nsp")
		require.NoError(t, os.WriteFile(path, []byte("not really a game"), 0o644))
		eventually.Holds(t, deadline, "handle_file_added for the file", func() bool {
			tasks, err := client.AllTasks(ctx, servicetest.TaskQuery{Name: pipeline.HandleFileAdded})
			require.NoError(t, err)
			for _, task := range tasks {
				var args pipeline.HandleFileAddedArgs
				require.NoError(t, json.Unmarshal(task.Args, &args))
				if args.LibraryPath == library && args.Filepath == path {
					return true
				}
			}
			return false
		})
	})

	t.Run("SIGTERM hands a running task back and the worker exits 0", func(t *testing.T) {
		id := enqueue(t, client, servicetest.NewTask(diagnostic.SleepArgs{Seconds: 30}))
		eventually.Holds(t, deadline, "the sleep task to run", func() bool { return taskStatus(t, client, id) == queue.StatusRunning })
		require.NoError(t, worker.Signal(syscall.SIGTERM))
		exited := make(chan error, 1)
		go func() { exited <- worker.Wait() }()
		select {
		case err := <-exited:
			require.NoError(t, err, "the worker exits 0; its log:\n%s", worker.Log())
		case <-time.After(deadline):
			t.Fatalf("the worker did not exit within %s of SIGTERM; its log:\n%s", deadline, worker.Log())
		}
		require.Equal(t, queue.StatusPending, taskStatus(t, client, id), "the task goes back to the queue, not left running")
	})
}

func enqueue(t *testing.T, client *servicetest.API, req api.CreateTaskRequest) int64 {
	t.Helper()
	res, err := client.Enqueue(context.Background(), req)
	require.NoError(t, err)
	return res.Task.ID
}

func taskStatus(t *testing.T, client *servicetest.API, id int64) queue.Status {
	t.Helper()
	res, err := client.Task(context.Background(), id)
	require.NoError(t, err)
	return res.Task.Status
}
