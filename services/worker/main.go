// Command shelf-worker claims tasks from the shared queue and runs them, with as many slots as
// worker.slots in settings.yaml says (changed live). On SIGTERM it stops claiming, lets running
// tasks finish within the grace period, hands the rest back to the queue and exits 0.
package main

import (
	"context"
	"time"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/worker"
)

func main() {
	service.Main(config.ServiceWorker, run)
}

func run(ctx context.Context, s *service.Service) error {
	pool := worker.New(s.Queue, worker.Config{
		ID:    worker.DefaultID(),
		Slots: s.Settings.Current().Worker.Slots,
		// The pool reads 0 as "use the default"; here 0 means what the flag says: no grace.
		GracePeriod: max(s.Config.GracePeriod, time.Nanosecond),
		Logger:      s.Log,
		Metrics:     metrics.NewWorker(s.Metrics, s.Queue.BusyRetries, s.Queue.Registry().Names()),
	})

	updates, unsubscribe := s.Settings.Subscribe()
	defer unsubscribe()
	go func() {
		for st := range updates {
			pool.SetSlots(st.Worker.Slots)
		}
	}()

	// A fresh install (or one down for longer than a scan interval) needs the title database and
	// a scan now, not at the next period. Startup leaves a chain that is running or ran recently
	// alone, so replicas starting together or restarting in a loop run it once. A failure here
	// leaves the periodic scan and the watcher's scans to do it; it is no reason not to work.
	if err := pipeline.Startup(ctx, s.Queue, s.Settings.Current()); err != nil {
		s.Log.Error("starting the library pipeline", "err", err)
	}

	s.SetReady(true)
	return pool.Run(ctx)
}
