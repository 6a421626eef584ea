package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/metrics"
)

func TestWorkerCountersStartAtZeroForEveryTaskNameAndOutcome(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	names := []string{"scan_library", "identify_file"}
	w := metrics.NewWorker(reg, func() uint64 { return 0 }, names)

	require.Equal(t, len(names)*len(metrics.Outcomes), testutil.CollectAndCount(w.Processed))
	for _, n := range names {
		for _, o := range metrics.Outcomes {
			require.Zero(t, testutil.ToFloat64(w.Processed.WithLabelValues(n, o)), "%s/%s", n, o)
		}
	}
}

func TestWatcherEventsStartAtZeroForEveryOp(t *testing.T) {
	t.Parallel()
	w := metrics.NewWatcher(prometheus.NewRegistry())
	require.Equal(t, len(metrics.WatcherOps), testutil.CollectAndCount(w.Events))
	for _, op := range []string{"added", "moved", "deleted"} {
		require.Zero(t, testutil.ToFloat64(w.Events.WithLabelValues(op)), op)
	}
}

func TestDataVolumeReportsFreeAndTotalBytesOfTheFolder(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics.RegisterDataVolume(reg, t.TempDir())
	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		got[f.GetName()] = f.GetMetric()[0].GetGauge().GetValue()
	}
	require.Greater(t, got["shelf_data_volume_size_bytes"], 0.0)
	require.Greater(t, got["shelf_data_volume_free_bytes"], 0.0)
	require.LessOrEqual(t, got["shelf_data_volume_free_bytes"], got["shelf_data_volume_size_bytes"])
}

func TestDataVolumeOfAMissingFolderReportsNothing(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics.RegisterDataVolume(reg, "/nonexistent/shelf-data")
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Empty(t, families)
}

func TestHandlerAnswersOpenMetricsWhenAskedAndTextOtherwise(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry("api")
	h := metrics.Handler(reg)

	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "application/openmetrics-text")
	require.True(t, strings.HasSuffix(rec.Body.String(), "# EOF\n"), "OpenMetrics ends with # EOF")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Contains(t, rec.Header().Get("Content-Type"), "text/plain")
	require.NotContains(t, rec.Body.String(), "# EOF")
	require.Contains(t, rec.Body.String(), "shelf_build_info")
}
