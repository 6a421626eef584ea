package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shelfhq/shelf/shared/queue"
)

// queueCollector reads queue depth from the database at scrape time. Only
// the api registers it, so N worker replicas don't export N copies.
type queueCollector struct {
	q        *queue.Queue
	log      *slog.Logger
	depth    *prometheus.Desc
	oldest   *prometheus.Desc
	progress *prometheus.Desc
	workers  *prometheus.Desc
}

// RegisterQueue exposes shelf_tasks{status,name},
// shelf_task_oldest_pending_age_seconds{name},
// shelf_parent_progress_ratio{name} and shelf_workers_seen.
func RegisterQueue(reg prometheus.Registerer, q *queue.Queue, log *slog.Logger) {
	reg.MustRegister(&queueCollector{
		q:   q,
		log: log,
		depth: prometheus.NewDesc("shelf_tasks", "Tasks in the queue by status and name.",
			[]string{"status", "name"}, nil),
		oldest: prometheus.NewDesc("shelf_task_oldest_pending_age_seconds",
			"Age of the oldest due pending task, by name.", []string{"name"}, nil),
		progress: prometheus.NewDesc("shelf_parent_progress_ratio",
			"Mean progress (0–1) of parent tasks waiting for their children, by name.", []string{"name"}, nil),
		workers: prometheus.NewDesc("shelf_workers_seen",
			"Worker processes that sent a heartbeat in the last minute.", nil, nil),
	})
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
	ch <- c.progress
	ch <- c.workers
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	depths, err := c.q.Depths(ctx)
	if err != nil {
		c.log.Warn("metrics: reading queue depth", "err", err)
	}
	seen := map[[2]string]bool{}
	for _, d := range depths {
		seen[[2]string{string(d.Status), d.Name}] = true
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(d.Count), string(d.Status), d.Name)
	}
	// Report zero for every status of every name present, so rates and
	// sums don't see series appear and vanish.
	names := map[string]bool{}
	for _, d := range depths {
		names[d.Name] = true
	}
	for n := range names {
		for _, s := range queue.Statuses {
			if !seen[[2]string{string(s), n}] {
				ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, 0, string(s), n)
			}
		}
	}
	if ages, err := c.q.OldestPendingAge(ctx); err == nil {
		for n, age := range ages {
			ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age.Seconds(), n)
		}
	}
	if progress, err := c.q.ParentProgress(ctx); err == nil {
		for n, p := range progress {
			ch <- prometheus.MustNewConstMetric(c.progress, prometheus.GaugeValue, p, n)
		}
	}
	if ws, err := c.q.Workers(ctx, time.Now().Add(-time.Minute)); err == nil {
		ch <- prometheus.MustNewConstMetric(c.workers, prometheus.GaugeValue, float64(len(ws)))
	}
}
