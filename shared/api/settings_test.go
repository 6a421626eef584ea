package api_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/settings"
)

func TestGetSettingsAnswersCurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodGet, "/api/settings", nil)
	require.Equal(t, http.StatusOK, r.status)
	want, err := json.Marshal(b.set.Current())
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(r.body))
}

func TestPutSettingsMergesAPartialDocument(t *testing.T) {
	t.Parallel()
	b := setup(t)
	before := b.set.Current()
	r := b.do(t, http.MethodPut, "/api/settings", `{"worker":{"slots":3}}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got := decode[settings.Settings](t, r)
	require.Equal(t, 3, got.Worker.Slots)
	require.Equal(t, before.Titles, got.Titles, "fields left out keep their value")
	require.Equal(t, 3, b.set.Current().Worker.Slots)
	saved, err := settings.Load(b.set.Path())
	require.NoError(t, err)
	require.Equal(t, 3, saved.Worker.Slots, "settings.yaml is saved")
}

func TestPutSettingsRejectsInvalidSettings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"worker":{"slots":0}}`), "worker.slots")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"titles":{"region":"usa"}}`), "titles.region")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"worker":{"colour":1}}`), "worker.colour")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"worker":{"slots":"four"}}`), "worker.slots")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"shop":{"host":"https://shop.example.com"}}`), "shop.host")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"shop":{"motd":"a\u0000b"}}`), "shop.motd")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"shop":{"clients":{"tinfoil":{"public_key":"not a key"}}}}`), "shop.clients.tinfoil.public_key")
	requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", `{"shop":{"clients":{"dbi":{"enabled":"no"}}}}`), "shop.clients.dbi.enabled")
	requireError(t, b.do(t, http.MethodPut, "/api/settings", `{"worker":`), 400, "invalid_json")
	requireError(t, b.do(t, http.MethodPut, "/api/settings", `[]`), 400, "invalid_json")
	requireError(t, b.do(t, http.MethodPut, "/api/settings", ``), 400, "invalid_json")
	require.Equal(t, settings.Default().Titles, b.set.Current().Titles, "nothing changed")
}

func TestPutSettingsEnqueuesLibraryTasks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	one, two := filepath.Join(t.TempDir(), "one"), filepath.Join(t.TempDir(), "two")

	put := func(paths ...string) {
		t.Helper()
		r := b.do(t, http.MethodPut, "/api/settings", map[string]any{"library": map[string]any{"paths": paths}})
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	}
	put(one, two)
	require.ElementsMatch(t, []string{one, two}, libraryTaskPaths(t, b, pipeline.ScanLibrary))

	put(two)
	require.Equal(t, []string{one}, libraryTaskPaths(t, b, pipeline.RemoveLibrary))
	require.Len(t, libraryTaskPaths(t, b, pipeline.ScanLibrary), 2, "a kept path is not scanned again")
}

// libraryTaskPaths lists the library_path args of the tasks called name.
func libraryTaskPaths(t *testing.T, b *testBundle, name string) []string {
	t.Helper()
	list := decode[listBody](t, b.do(t, http.MethodGet, "/api/tasks?name="+name, nil))
	paths := []string{}
	for _, task := range list.Tasks {
		var args struct {
			LibraryPath string `json:"library_path"`
		}
		require.NoError(t, json.Unmarshal(task.Args, &args))
		paths = append(paths, args.LibraryPath)
	}
	return paths
}
