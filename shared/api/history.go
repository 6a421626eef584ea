package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/queue"
)

const (
	// HistoryWindow is how far back the Health page's charts reach.
	HistoryWindow = time.Hour
	// DefaultHistoryInterval is how often History samples when NewHistory is given 0.
	DefaultHistoryInterval = 15 * time.Second
	// finishLag holds a throughput window open this long after it ends: a worker stamps
	// finished_at before its batch of completions commits, so a window counted at once would
	// miss the tasks of a batch still committing.
	finishLag = 5 * time.Second
)

// Sample is the queue at one moment, and the tasks that finished in the interval before.
type Sample struct {
	At      time.Time `json:"at"`
	Pending int       `json:"pending"`
	Running int       `json:"running"`
	Waiting int       `json:"waiting_for_children"`
	// Completed and Failed count tasks (children included) that finished in the sample's
	// interval, which ends finishLag before At.
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

// History samples the queue for the Health page's charts, so a user without Prometheus still
// sees throughput and depth over the last hour. The samples live in this process's memory:
// each api replica keeps its own, from its start (all read the same database, so they agree
// where they overlap), and a restart begins afresh. Finished tasks are counted by their
// finished_at, so pruning or purging them later changes nothing already sampled.
type History struct {
	q        *queue.Queue
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	samples []Sample // oldest first, at most HistoryWindow/interval
	next    time.Time
}

// NewHistory returns a History that samples q every interval (DefaultHistoryInterval if 0)
// once Run is called.
func NewHistory(q *queue.Queue, interval time.Duration, log *slog.Logger) *History {
	if interval <= 0 {
		interval = DefaultHistoryInterval
	}
	if log == nil {
		log = slog.Default()
	}
	return &History{q: q, interval: interval, log: log}
}

// Run samples at once, then every interval, until ctx ends. A failed sample is logged and
// skipped: the chart shows a gap rather than a made-up value.
func (h *History) Run(ctx context.Context) {
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	for {
		h.sample(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (h *History) sample(ctx context.Context, now time.Time) {
	to := now.Add(-finishLag)
	h.mu.Lock()
	from := h.next
	h.mu.Unlock()
	if from.IsZero() {
		from = to.Add(-h.interval)
	}
	a, err := h.q.Activity(ctx, from, to)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("sampling the queue for the health page", "err", err)
		}
		return
	}
	s := Sample{At: now.UTC(), Pending: a.Pending, Running: a.Running, Waiting: a.Waiting, Completed: a.Completed, Failed: a.Failed}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next = to
	h.samples = append(h.samples, s)
	if keep := h.capacity(); len(h.samples) > keep {
		h.samples = append(h.samples[:0], h.samples[len(h.samples)-keep:]...)
	}
}

func (h *History) capacity() int { return int((HistoryWindow + h.interval - 1) / h.interval) }

// historyResponse is GET /api/stats/history.
type historyResponse struct {
	IntervalSeconds float64  `json:"interval_seconds"`
	WindowSeconds   float64  `json:"window_seconds"`
	Samples         []Sample `json:"samples"`
}

func (h *History) snapshot() historyResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	return historyResponse{IntervalSeconds: h.interval.Seconds(), WindowSeconds: HistoryWindow.Seconds(),
		Samples: append([]Sample{}, h.samples...)}
}

func (s *server) statsHistory(c *fiber.Ctx) error {
	return c.JSON(s.history.snapshot())
}
