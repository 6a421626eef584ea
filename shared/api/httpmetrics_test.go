package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
)

// requestCounts reads shelf_http_requests_total as "route method code" → count, and the
// number of observations of the duration histogram per "route method".
func requestCounts(t *testing.T, b *testBundle) (requests map[string]float64, timed map[string]uint64) {
	t.Helper()
	families, err := b.opts.Metrics.Gather()
	require.NoError(t, err)
	requests, timed = map[string]float64{}, map[string]uint64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch f.GetName() {
			case "shelf_http_requests_total":
				requests[labels["route"]+" "+labels["method"]+" "+labels["code"]] = m.GetCounter().GetValue()
			case "shelf_http_request_duration_seconds":
				timed[labels["route"]+" "+labels["method"]] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	return requests, timed
}

func TestHTTPMetricsCountByRouteTemplateMethodAndStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(t, http.MethodGet, "/api/tasks", nil)
	b.do(t, http.MethodGet, "/api/tasks", nil)
	b.do(t, http.MethodGet, "/api/tasks/12345", nil)
	b.do(t, http.MethodGet, "/api/tasks/67890", nil)
	b.do(t, http.MethodPut, "/api/tasks", nil)
	b.do(t, http.MethodPost, "/api/tasks", map[string]any{"name": "no_such_task"})
	b.do(t, http.MethodGet, "/api/no/such/route", nil)
	b.do(t, http.MethodGet, "/livez", nil)

	requests, timed := requestCounts(t, b)
	require.Equal(t, 2.0, requests["/api/tasks GET 200"])
	require.Equal(t, 2.0, requests["/api/tasks/:id GET 404"], "both ids under one template: %v", requests)
	require.Equal(t, 1.0, requests["/api/tasks PUT 405"], "a wrong method counts under the route it missed")
	require.Equal(t, 1.0, requests["/api/tasks POST 422"])
	require.Equal(t, 1.0, requests["unmatched GET 404"])
	require.Equal(t, 1.0, requests["/livez GET 200"])
	require.Equal(t, uint64(2), timed["/api/tasks/:id GET"])
	for key := range requests {
		require.NotContains(t, key, "12345", "raw paths never become labels")
		require.NotContains(t, key, "/no/such", "raw paths never become labels")
	}
}

func TestHTTPMetricsCountRejectedTokensUnderTheRouteAsked(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *api.Options) { o.Token = testToken })
	b.do(t, http.MethodPost, "/api/tasks/42/cancel", nil)

	requests, _ := requestCounts(t, b)
	require.Equal(t, 1.0, requests["/api/tasks/:id/cancel POST 401"], "%v", requests)
}

func TestHTTPMetricsPutWebUIFilesUnderOneLabel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.do(t, http.MethodGet, "/some/page.html", nil)
	b.do(t, http.MethodGet, "/other.css", nil)

	requests, _ := requestCounts(t, b)
	var web float64
	for key, n := range requests {
		if strings.HasPrefix(key, "/* GET ") {
			web += n
		}
	}
	require.Equal(t, 2.0, web, "%v", requests)
}
