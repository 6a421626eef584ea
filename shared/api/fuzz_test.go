package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

// FuzzCreateTaskBody posts arbitrary bodies to POST /api/tasks: a client can never cause a 5xx,
// and every answer is either a created (or deduplicated) task or a JSON error.
func FuzzCreateTaskBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"echo"}`, `{"name":"echo","args":{"a":[1,2,{"b":null}]}}`, `{"name":"nope"}`,
		`{"name":"echo","priority":-3,"max_attempts":2,"run_after":"2030-01-02T15:04:05Z","delay":"90s","dedup_key":"k"}`,
		`{"name":"echo","args":{"n":1e999}}`, `{"name":"echo","delay":"9999999h"}`, `{"name":"echo","run_after":"0000-01-01T00:00:00Z"}`,
		`{"name":"echo","args":"x"}`, `{"name":"echo","args":null}`, `{"name":"\u0000"}`, `{"name":"echo","dedup_key":"\ud800"}`,
		`{`, ``, `null`, `[]`, `"x"`, `{"name":"echo"}{}`, `{"priority":1e10}`, `{"max_attempts":99999}`,
	} {
		f.Add([]byte(seed))
	}
	b := setup(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := b.do(t, http.MethodPost, "/api/tasks", body)
		if r.status >= 500 {
			t.Fatalf("status %d for body %q: %s", r.status, body, r.body)
		}
		if r.status == http.StatusOK || r.status == http.StatusCreated {
			var ok taskBody
			if err := json.Unmarshal(r.body, &ok); err != nil || ok.Task.ID == 0 {
				t.Fatalf("status %d without a task for body %q: %s", r.status, body, r.body)
			}
			return
		}
		var e apiError
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("status %d without a JSON error for body %q: %s", r.status, body, r.body)
		}
		if r.status < 400 {
			t.Fatalf("status %d for body %q", r.status, body)
		}
	})
}

// bodyRoutes are the routes that read a request body.
var bodyRoutes = []struct{ method, path string }{
	{http.MethodPost, "/api/tasks"},
	{http.MethodPatch, "/api/tasks/1"},
	{http.MethodPut, "/api/settings"},
	{http.MethodPost, "/api/settings/preview"},
	{http.MethodPost, "/api/library/scan"},
	{http.MethodPost, "/api/tasks/1/cancel"},
}

// FuzzAPIBodies posts arbitrary bodies to every route that reads one (route picks which): no
// 5xx, a 2xx is a JSON answer, and anything else is a JSON error with a code and a message.
func FuzzAPIBodies(f *testing.F) {
	for route, seeds := range [][]string{
		{`{"name":"echo","args":{"a":1}}`, `{"name":"echo","delay":"-5s"}`},
		{`{"priority":3}`, `{"run_after":"2030-01-02T15:04:05Z","priority":-1}`, `{"run_after":"yesterday"}`, `{"priority":1e99}`},
		{`{"worker":{"slots":3}}`, `{"library":{"management":{"organizer":{"templates":{"base":"../{appId}"}}}}}`, `{"worker":{"slots":"3"}}`},
		{`{"library":{"management":{"organizer":{"windows_compatible":true,"templates":{"dlc":"{appName}/CON"}}}}}`, ``, `{"titles":null}`},
		{`{}`, `{"path":"/games"}`, `{"path":7}`, ``},
		{``, `{}`, `x`},
	} {
		for _, s := range seeds {
			f.Add(uint8(route), []byte(s))
		}
	}
	b := setup(f)
	_, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo"})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := bodyRoutes[int(route)%len(bodyRoutes)]
		r := b.do(t, rt.method, rt.path, body)
		if p := answerProblem(rt.method, r.status, r.header, r.body); p != "" {
			t.Fatalf("%s %s with %q: %s: %s", rt.method, rt.path, body, p, r.body)
		}
		if r.status < 300 && !json.Valid(r.body) {
			t.Fatalf("%s %s with %q: %d is not JSON: %s", rt.method, rt.path, body, r.status, r.body)
		}
	})
}
