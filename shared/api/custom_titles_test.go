package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

func TestCustomTitlesAreAddedEditedAndDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodPost, "/api/titledb/custom", `{"title_id":"05000fd261232000","name":"  Hocoslamfy ","publisher":"Nebuleon"}`)
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	require.Contains(t, string(r.body), `"title_id":"05000FD261232000"`)
	require.Contains(t, string(r.body), `"name":"Hocoslamfy"`)

	r = b.do(t, http.MethodPost, "/api/titledb/custom", `{"title_id":"05000FD261232000","name":"again"}`)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	r = b.do(t, http.MethodPost, "/api/titledb/custom", `{"title_id":"05000FD26123200","name":"short id"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "body: %s", r.body)
	require.Contains(t, string(r.body), `"field":"title_id"`)
	r = b.do(t, http.MethodPost, "/api/titledb/custom", `{"title_id":"0100ABCD12340000","name":"x","release_date":"2024-13-01"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "body: %s", r.body)

	r = b.do(t, http.MethodPut, "/api/titledb/custom/05000FD261232000", `{"name":"Hocoslamfy 2","release_date":"2015-04-01"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	r = b.do(t, http.MethodGet, "/api/titledb/custom", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, string(r.body), `"name":"Hocoslamfy 2"`)
	require.Contains(t, string(r.body), `"release_date":"2015-04-01"`)
	r = b.do(t, http.MethodPut, "/api/titledb/custom/0100ABCD12340000", `{"name":"nobody"}`)
	require.Equal(t, http.StatusNotFound, r.status, "body: %s", r.body)

	tasks, _, err := b.q.List(b.ctx, queue.Filter{Name: pipeline.UpdateTitlesForTitle, Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, tasks, "the catalog's title follows its custom entry")

	r = b.do(t, http.MethodDelete, "/api/titledb/custom/05000fd261232000", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	r = b.do(t, http.MethodDelete, "/api/titledb/custom/05000fd261232000", nil)
	require.Equal(t, http.StatusNotFound, r.status, "body: %s", r.body)
	r = b.do(t, http.MethodGet, "/api/titledb/custom", nil)
	require.JSONEq(t, `{"entries":[]}`, string(r.body))
}
