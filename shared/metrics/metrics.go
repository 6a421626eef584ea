// Package metrics is the one place shelf defines and registers its
// Prometheus metrics. Names follow Prometheus conventions: a shelf_ prefix,
// base units, _total on counters and no ids or paths in labels.
package metrics

import (
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version is the build's version, set with -ldflags "-X …/metrics.Version=…".
var Version = "dev"

// NewRegistry returns a registry with the Go and process collectors and
// shelf_build_info for service.
func NewRegistry(service string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "shelf_build_info",
		Help:        "Build information; the value is always 1.",
		ConstLabels: prometheus.Labels{"service": service, "version": Version, "goversion": runtime.Version()},
	})
	info.Set(1)
	reg.MustRegister(info)
	return reg
}

// Handler serves reg in the Prometheus text format, or in OpenMetrics when the scraper asks
// for it in Accept (as Prometheus does by default), which also carries exemplars and _created.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: true})
}

// RegisterSettingsReloadErrors exposes the settings manager's count of
// rejected settings files.
func RegisterSettingsReloadErrors(reg prometheus.Registerer, count func() uint64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "shelf_settings_reload_errors_total",
		Help: "settings.yaml changes rejected as invalid; the last good settings stayed in force.",
	}, func() float64 { return float64(count()) }))
}
