package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/servicetest"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
	"github.com/shelfhq/shelf/shared/titledb"
)

// mirror serves a title database that the test can change.
type mirror struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (m *mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	body, ok := m.files[path.Base(r.URL.Path)]
	m.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, path.Base(r.URL.Path), time.Time{}, bytes.NewReader(body))
}

// rename gives the title id a new name in the titles file.
func (m *mirror) rename(t *testing.T, id, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	file := titledb.TitlesFile("US", "en")
	var titles map[string]map[string]any
	require.NoError(t, json.Unmarshal(m.files[file], &titles))
	for _, entry := range titles {
		if entry["id"] == id {
			entry["name"] = name
		}
	}
	data, err := json.Marshal(titles)
	require.NoError(t, err)
	m.files[file] = data
}

// A worker on another host on PostgreSQL has the library mount and nothing else of the main
// host: no shared data folder, only a private scratch folder of its own (an emptyDir). Settings,
// the title database and the library index reach it, and come back from it, through the database.
func TestAWorkerWithoutTheDataFolderFollowsSettingsAndTheTitleDatabaseThroughPostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the api and worker binaries; skipped with -short")
	}
	if storetest.Backend() != "postgres" {
		t.Skip("hosts without a shared data folder need PostgreSQL; on SQLite every process shares the data folder (TestThreeServicesShareOneQueue)")
	}
	bins := servicetest.Build(t, "api", "worker")
	base := t.TempDir()
	apiData, workerScratch, library := filepath.Join(base, "api-data"), filepath.Join(base, "worker-scratch"), filepath.Join(base, "library")
	require.NoError(t, os.MkdirAll(apiData, 0o755))
	files, tdb := pipelinetest.Synthetic(6, 5)
	require.NoError(t, pipelinetest.Write(library, files))
	titles := &mirror{files: tdb}
	srv := httptest.NewServer(titles)
	t.Cleanup(srv.Close)

	s := settings.Default()
	s.Library.Paths = []string{library}
	s.TitleDB.URL = srv.URL
	s.Worker.Slots = 2
	require.NoError(t, settings.Save(filepath.Join(apiData, "settings.yaml"), s))

	dsn := storetest.NewDSN(t)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(db) })
	apiAddr, workerAddr := servicetest.FreeAddr(t), servicetest.FreeAddr(t)
	servicetest.Start(t, bins, "api", "SHELF_DATA_DIR="+apiData, "SHELF_DATABASE_URL="+dsn, "SHELF_HTTP_ADDR="+apiAddr)
	ctx := context.Background()
	client := &servicetest.API{Base: "http://" + apiAddr}
	eventually.Holds(t, deadline, "the api to answer", func() bool { return client.Ready(ctx) == nil })
	servicetest.Start(t, bins, "worker", "SHELF_DATA_DIR="+workerScratch, "SHELF_DATABASE_URL="+dsn,
		"SHELF_METRICS_ADDR="+workerAddr, "SHELF_GRACE_PERIOD=1s")
	workerMetrics := "http://" + workerAddr + "/metrics"
	eventually.Holds(t, deadline, "the worker to be ready", func() bool { return servicetest.HTTPStatus("http://"+workerAddr+"/readyz") == http.StatusOK })

	const renamedID = "0100EE0000000000"
	nameInIndex := func() string {
		idx, err := client.Library(ctx)
		if err != nil {
			return ""
		}
		for _, title := range idx.Titles {
			if title.TitleID == renamedID {
				return title.Name
			}
		}
		return ""
	}

	t.Run("the settings stored by the api reach the worker at start", func(t *testing.T) {
		require.Equal(t, 2.0, servicetest.Gauge(t, workerMetrics, "shelf_worker_slots"))
		// It read the library folder from them: the start-up chain identified every file, and
		// the api serves the index the worker generated.
		eventually.Holds(t, deadline, "every file to be identified", func() bool {
			var n int64
			require.NoError(t, db.Raw(`SELECT COUNT(*) FROM files WHERE identified`).Scan(&n).Error)
			return n == int64(len(files))
		})
		eventually.Holds(t, deadline, "the api to serve the worker's library index", func() bool { return nameInIndex() != "" })
	})

	t.Run("PUT /api/settings reaches the worker live", func(t *testing.T) {
		_, err := client.PutSettings(ctx, map[string]any{"worker": map[string]any{"slots": 5}})
		require.NoError(t, err)
		eventually.Holds(t, deadline, "shelf_worker_slots to become 5", func() bool {
			return servicetest.Gauge(t, workerMetrics, "shelf_worker_slots") == 5
		})
	})

	t.Run("a titledb refresh renames the title without a restart", func(t *testing.T) {
		titles.rename(t, renamedID, "Renamed By The Mirror")
		_, err := client.Enqueue(ctx, api.CreateTaskRequest{Name: pipeline.UpdateTitleDB})
		require.NoError(t, err)
		eventually.Holds(t, deadline, "the index to carry the new name", func() bool { return nameInIndex() == "Renamed By The Mirror" })
		// The api's own copy follows the published one (GET /api/titledb reads it).
		var view struct {
			Source *titledb.Source `json:"source"`
		}
		resp, err := servicetest.Client.Get("http://" + apiAddr + "/api/titledb")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&view))
		require.NotNil(t, view.Source)
		require.Equal(t, srv.URL, view.Source.URL)
	})

	// The worker kept nothing in its scratch folder that another host would need: no settings
	// file, no database; its title database is a copy.
	_, err = os.Stat(filepath.Join(workerScratch, "settings.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(filepath.Join(workerScratch, "shelf.db"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
