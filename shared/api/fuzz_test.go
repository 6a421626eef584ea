package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
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
