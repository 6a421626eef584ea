package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

func TestLibraryIndexWithETag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireError(t, b.do(t, http.MethodGet, "/api/library", nil), 404, "not_generated")

	index := []byte(`{"titles":[{"title_id":"0100000000010000"}]}`)
	b.writeLibraryIndex(t, index)
	sum := sha256.Sum256(index)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`

	r := b.do(t, http.MethodGet, "/api/library", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, index, r.body)
	require.Equal(t, etag, r.header.Get("ETag"))
	require.Contains(t, r.header.Get("Content-Type"), "application/json")

	for _, match := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		r = b.do(t, http.MethodGet, "/api/library", nil, "If-None-Match", match)
		require.Equal(t, http.StatusNotModified, r.status, "If-None-Match: %s", match)
		require.Empty(t, r.body)
	}
	r = b.do(t, http.MethodGet, "/api/library", nil, "If-None-Match", `"stale"`)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, index, r.body)
}

func TestGetTitleWithItsApps(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const titleID = "0100ABCD00010000"
	require.NoError(t, catalog.UpsertTitle(b.db, titleID, "Some Game", "", ""))
	_, err := catalog.UpsertApp(b.db, catalog.AppRef{AppID: titleID, TitleID: titleID, Type: "base", Version: 0})
	require.NoError(t, err)
	_, err = catalog.UpsertApp(b.db, catalog.AppRef{AppID: "0100ABCD00010800", TitleID: titleID, Type: "update", Version: 65536})
	require.NoError(t, err)

	r := b.do(t, http.MethodGet, "/api/titles/"+titleID, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	body := decode[struct {
		Title struct {
			TitleID string `json:"title_id"`
			Name    string `json:"name"`
		} `json:"title"`
		Apps []struct {
			AppID   string `json:"app_id"`
			Type    string `json:"type"`
			Version int    `json:"version"`
			Owned   bool   `json:"owned"`
		} `json:"apps"`
	}](t, r)
	require.Equal(t, titleID, body.Title.TitleID)
	require.Equal(t, "Some Game", body.Title.Name)
	require.Len(t, body.Apps, 2)

	lower := b.do(t, http.MethodGet, "/api/titles/0100abcd00010000", nil)
	require.Equal(t, http.StatusOK, lower.status, "body: %s", lower.body)
	requireError(t, b.do(t, http.MethodGet, "/api/titles/0100000000020000", nil), 404, "not_found")
	requireFieldError(t, b.do(t, http.MethodGet, "/api/titles/xyz", nil), "title_id")
	requireFieldError(t, b.do(t, http.MethodGet, "/api/titles/010000000001000G", nil), "title_id")
}

func TestListFilesUnidentified(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lib, err := catalog.EnsureLibrary(b.db, t.TempDir())
	require.NoError(t, err)
	good, _, err := catalog.UpsertFile(b.db, lib.ID, filepath.Join(lib.Path, "Good [0100000000010000][v0].nsp"), 10, time.Now())
	require.NoError(t, err)
	require.NoError(t, catalog.RecordIdentification(b.db, good.ID,
		[]catalog.AppRef{{AppID: "0100000000010000", TitleID: "0100000000010000", Type: "base"}}, "filename", ""))
	bad, _, err := catalog.UpsertFile(b.db, lib.ID, filepath.Join(lib.Path, "mystery.nsp"), 20, time.Now())
	require.NoError(t, err)
	require.NoError(t, catalog.RecordIdentificationFailure(b.db, bad.ID, "no id in the name"))

	type files struct {
		Files []struct {
			ID                  int64  `json:"id"`
			Name                string `json:"name"`
			Identified          bool   `json:"identified"`
			IdentificationError string `json:"identification_error"`
		} `json:"files"`
		NextCursor *int64 `json:"next_cursor"`
	}
	all := decode[files](t, b.do(t, http.MethodGet, "/api/files", nil))
	require.Len(t, all.Files, 2)

	r := b.do(t, http.MethodGet, "/api/files?unidentified=true", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	unidentified := decode[files](t, r)
	require.Len(t, unidentified.Files, 1)
	require.Equal(t, bad.ID, unidentified.Files[0].ID)
	require.Equal(t, "no id in the name", unidentified.Files[0].IdentificationError)
	require.Nil(t, unidentified.NextCursor)

	page := decode[files](t, b.do(t, http.MethodGet, "/api/files?limit=1", nil))
	require.Len(t, page.Files, 1)
	require.NotNil(t, page.NextCursor)

	requireFieldError(t, b.do(t, http.MethodGet, "/api/files?unidentified=maybe", nil), "unidentified")
	requireFieldError(t, b.do(t, http.MethodGet, "/api/files?limit=-1", nil), "limit")
}

func TestScanLibrary(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireFieldError(t, b.do(t, http.MethodPost, "/api/library/scan", nil), "path")

	one, two := t.TempDir(), t.TempDir()
	_, err := b.set.Update([]byte(`{"library":{"paths":["` + one + `","` + two + `"]}}`))
	require.NoError(t, err)

	type scanned struct {
		Tasks []queue.Task `json:"tasks"`
	}
	r := b.do(t, http.MethodPost, "/api/library/scan", nil)
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	require.Len(t, decode[scanned](t, r).Tasks, 2)

	r = b.do(t, http.MethodPost, "/api/library/scan", map[string]any{"path": two})
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	tasks := decode[scanned](t, r).Tasks
	require.Len(t, tasks, 1)
	require.Equal(t, pipeline.ScanLibrary, tasks[0].Name)
	require.JSONEq(t, `{"library_path":"`+two+`"}`, string(tasks[0].Args))

	requireFieldError(t, b.do(t, http.MethodPost, "/api/library/scan", map[string]any{"path": "/etc"}), "path")
	requireFieldError(t, b.do(t, http.MethodPost, "/api/library/scan", map[string]any{"folder": one}), "folder")
	requireError(t, b.do(t, http.MethodPost, "/api/library/scan", `{"path":`), 400, "invalid_json")
}

func TestListFilesNotedShowsWhereNameAndContentDisagree(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lib, err := catalog.EnsureLibrary(b.db, t.TempDir())
	require.NoError(t, err)
	const note = "name and content disagree (app): the file name says 0100000000010000 v65536, the content holds 0100000000010800 v65536; the content wins"
	for i, n := range []string{"", note} {
		f, _, err := catalog.UpsertFile(b.db, lib.ID, filepath.Join(lib.Path, fmt.Sprintf("f%d.nsp", i)), 10, time.Now())
		require.NoError(t, err)
		require.NoError(t, catalog.RecordIdentification(b.db, f.ID,
			[]catalog.AppRef{{AppID: "0100000000010800", TitleID: "0100000000010000", Type: "update", Version: 65536}}, "cnmt", n))
	}
	r := b.do(t, http.MethodGet, "/api/files?noted=true", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	noted := decode[struct {
		Files []struct {
			Name                 string `json:"name"`
			IdentificationMethod string `json:"identification_method"`
			IdentificationNote   string `json:"identification_note"`
		} `json:"files"`
	}](t, r)
	require.Len(t, noted.Files, 1)
	require.Equal(t, "f1.nsp", noted.Files[0].Name)
	require.Equal(t, "cnmt", noted.Files[0].IdentificationMethod)
	require.Equal(t, note, noted.Files[0].IdentificationNote)
	requireFieldError(t, b.do(t, http.MethodGet, "/api/files?noted=yes", nil), "noted")
	requireFieldError(t, b.do(t, http.MethodGet, "/api/files?noted=true&unidentified=true", nil), "noted")
}
