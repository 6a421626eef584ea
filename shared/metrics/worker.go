package metrics

import "github.com/prometheus/client_golang/prometheus"

// The outcomes of a task run, the values of shelf_tasks_processed_total's outcome label.
const (
	OutcomeCompleted = "completed"
	OutcomeRetried   = "retried"
	OutcomeFailed    = "failed"
	OutcomeCancelled = "cancelled"
	OutcomeReleased  = "released"
)

// Outcomes lists every outcome label value.
var Outcomes = []string{OutcomeCompleted, OutcomeRetried, OutcomeFailed, OutcomeCancelled, OutcomeReleased}

// Worker holds what a worker process exports about the tasks it runs.
type Worker struct {
	Processed *prometheus.CounterVec
	Duration  *prometheus.HistogramVec
	Pickup    prometheus.Histogram
	Slots     prometheus.Gauge
	Busy      prometheus.Gauge
	Rescues   prometheus.Counter
}

// NewWorker registers the worker metrics on reg. busyRetries reports the
// queue's count of write transactions retried after SQLITE_BUSY. taskNames
// (the registry's) start every name × outcome series at 0: a series that
// first appears at 1 hides its first event from rate() and increase().
func NewWorker(reg prometheus.Registerer, busyRetries func() uint64, taskNames []string) *Worker {
	w := &Worker{
		Processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shelf_tasks_processed_total",
			Help: "Tasks run by this worker, by name and outcome (completed, retried, failed, cancelled, released).",
		}, []string{"name", "outcome"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shelf_task_duration_seconds",
			Help:    "How long task handlers ran, by task name.",
			Buckets: []float64{.0005, .001, .005, .01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 1800},
		}, []string{"name"}),
		Pickup: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shelf_task_pickup_latency_seconds",
			Help:    "Time from a task becoming due to its handler starting.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		Slots: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shelf_worker_slots",
			Help: "Task slots this worker runs (worker.slots in settings).",
		}),
		Busy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shelf_worker_busy_slots",
			Help: "Task slots running a task now.",
		}),
		Rescues: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shelf_lease_rescues_total",
			Help: "Tasks whose lease had expired (their worker died) that this process put back or failed.",
		}),
	}
	for _, name := range taskNames {
		for _, outcome := range Outcomes {
			w.Processed.WithLabelValues(name, outcome)
		}
	}
	reg.MustRegister(w.Processed, w.Duration, w.Pickup, w.Slots, w.Busy, w.Rescues,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "shelf_db_busy_retries_total",
			Help: "Write transactions retried because another process held the SQLite write lock too long.",
		}, func() float64 { return float64(busyRetries()) }))
	return w
}
