package systemtest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/servicetest"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

// A fresh install whose settings name a titledb mirror must not wait for the first scan period
// (12 h by default) to download it: until then no file can be identified. The worker starts the
// chain when it starts (pipeline.Startup), which downloads the title database and scans.
func TestWorkerStartDownloadsTheTitleDBAndScansAFreshLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the worker binary; skipped with -short")
	}
	bins := servicetest.Build(t, "worker")
	base := t.TempDir()
	data, library := filepath.Join(base, "data"), filepath.Join(base, "library")
	require.NoError(t, os.MkdirAll(data, 0o755))
	files, tdb := pipelinetest.Synthetic(5, 3)
	require.NoError(t, pipelinetest.Write(library, files))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := tdb[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, path.Base(r.URL.Path), time.Time{}, bytes.NewReader(body))
	}))
	t.Cleanup(srv.Close)
	s := settings.Default()
	s.Library.Paths = []string{library}
	s.TitleDB.URL = srv.URL
	require.NoError(t, settings.Save(filepath.Join(data, "settings.yaml"), s))

	dsn := storetest.NewDSN(t)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(db) })
	servicetest.ShareSettings(t, db, s)
	servicetest.Start(t, bins, "worker", "SHELF_DATA_DIR="+data, "SHELF_DATABASE_URL="+dsn, "SHELF_METRICS_ADDR="+servicetest.FreeAddr(t))

	eventually.Holds(t, deadline, "every file to be identified", func() bool {
		var n int64
		require.NoError(t, db.Raw(`SELECT COUNT(*) FROM files WHERE identified`).Scan(&n).Error)
		return n == int64(len(files))
	})
}
