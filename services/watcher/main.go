// Command shelf-watcher turns file events in the library folders (library.paths in
// settings.yaml, followed live) into tasks on the shared queue, and enqueues a scan of every
// library when it starts so that nothing changed while it was down is missed.
package main

import (
	"context"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/watch"
)

func main() {
	service.Main(config.ServiceWatcher, run)
}

func run(ctx context.Context, s *service.Service) error {
	w := watch.New(s.Queue, s.Settings, watch.Options{
		Metrics: metrics.NewWatcher(s.Metrics),
		Logger:  s.Log,
	})
	go func() {
		select {
		case <-w.Ready():
			s.SetReady(true)
		case <-ctx.Done():
		}
	}()
	return w.Run(ctx)
}
