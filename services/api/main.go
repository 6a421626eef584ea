// Command shelf-api serves the REST API, the web UI and /metrics (including the queue depth,
// read from the database at scrape time by this one service) on one address. It enqueues work;
// workers run it. Its subcommands migrate-db, backup and restore maintain the database.
package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/admin"
	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/web"
)

const (
	// bodyLimit bounds a request body; the largest requests are settings and batch enqueues.
	bodyLimit = 4 << 20
	// shutdownTimeout is how long requests in flight may finish after SIGTERM.
	shutdownTimeout = 10 * time.Second
)

func main() {
	service.Main(config.ServiceAPI, run, admin.Commands()...)
}

func run(ctx context.Context, s *service.Service) error {
	metrics.RegisterQueue(s.Metrics, s.Queue, s.Log)
	if s.Config.AdminUser != "" {
		u, made, err := account.CreateFirstAdmin(ctx, s.DB, s.Config.AdminUser, s.Config.AdminPassword)
		if err != nil {
			return fmt.Errorf("first admin (SHELF_ADMIN_USER): %w", err)
		}
		if made {
			s.Log.Info("first admin created from SHELF_ADMIN_USER", "user", u.Username)
		}
	}
	history := api.NewHistory(s.Queue, s.Config.HistoryInterval, s.Log)
	go history.Run(ctx)
	app := api.New(api.Options{
		Queue:        s.Queue,
		DB:           s.DB,
		Settings:     s.Settings,
		DataDir:      s.Config.DataDir,
		Token:        s.Config.APIToken,
		ProtectReads: s.Config.ReadToken,
		Metrics:      s.Metrics,
		Logger:       s.Log,
		BodyLimit:    bodyLimit,
		Static:       web.FS(),
		History:      history,

		TrustedProxies: s.Config.TrustedProxies,
	})

	// Listening first makes a port in use fail the start with a clear error.
	ln, err := net.Listen("tcp", s.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("api server: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	s.SetReady(true)
	s.Log.Info("api listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("api server: %w", err)
	case <-ctx.Done():
	}
	s.Log.Info("shutting down the api", "timeout", shutdownTimeout)
	if err := app.ShutdownWithTimeout(shutdownTimeout); err != nil {
		return fmt.Errorf("api shutdown: %w", err)
	}
	<-served
	return nil
}
