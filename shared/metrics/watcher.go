package metrics

import "github.com/prometheus/client_golang/prometheus"

// The file-event operations, the values of shelf_watcher_events_total's op label.
const (
	OpAdded   = "added"
	OpMoved   = "moved"
	OpDeleted = "deleted"
)

// WatcherOps lists every op label value.
var WatcherOps = []string{OpAdded, OpMoved, OpDeleted}

// Watcher holds what the watcher exports about file events.
type Watcher struct {
	Events      *prometheus.CounterVec
	Ignored     prometheus.Counter
	Directories prometheus.Gauge
}

// NewWatcher registers the watcher metrics on reg.
func NewWatcher(reg prometheus.Registerer) *Watcher {
	w := &Watcher{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shelf_watcher_events_total",
			Help: "Library file events turned into tasks, by operation (added, moved, deleted).",
		}, []string{"op"}),
		Ignored: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shelf_watcher_events_ignored_total",
			Help: "File events ignored: not a library file, or a move the organizer made itself.",
		}),
		Directories: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shelf_watched_directories",
			Help: "Directories under watch.",
		}),
	}
	// Every op starts at 0, so the first event of each kind shows in rate().
	for _, op := range WatcherOps {
		w.Events.WithLabelValues(op)
	}
	reg.MustRegister(w.Events, w.Ignored, w.Directories)
	return w
}
