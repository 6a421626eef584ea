package servicetest

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// Metrics is one scrape of a Prometheus page, parsed: metric family name → family.
type Metrics map[string]*dto.MetricFamily

// Scrape fetches and parses the Prometheus text page at url.
func Scrape(ctx context.Context, url string) (Metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", url, err)
	}
	return families, nil
}

// Sum adds the values of every sample of the counter or gauge name whose labels include
// labels (name, value pairs); ok is false when the page has no such metric at all.
func (m Metrics) Sum(name string, labels ...string) (sum float64, ok bool) {
	family, ok := m[name]
	if !ok {
		return 0, false
	}
samples:
	for _, metric := range family.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			if labelValue(metric, labels[i]) != labels[i+1] {
				continue samples
			}
		}
		switch {
		case metric.GetCounter() != nil:
			sum += metric.GetCounter().GetValue()
		case metric.GetGauge() != nil:
			sum += metric.GetGauge().GetValue()
		case metric.GetUntyped() != nil:
			sum += metric.GetUntyped().GetValue()
		}
	}
	return sum, true
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// Gauge scrapes the Prometheus page at url and returns the value of the unlabelled gauge
// name, failing the test when it is not exactly that.
func Gauge(t testing.TB, url, name string) float64 {
	t.Helper()
	m, err := Scrape(context.Background(), url)
	require.NoError(t, err)
	family, ok := m[name]
	require.True(t, ok, "%s not exported", name)
	require.Len(t, family.GetMetric(), 1)
	require.NotNil(t, family.GetMetric()[0].GetGauge(), "%s is not a gauge", name)
	return family.GetMetric()[0].GetGauge().GetValue()
}
