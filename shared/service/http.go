package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/metrics"
)

// readyTimeout bounds the database ping behind /readyz, so a probe never hangs on a stuck disk.
const readyTimeout = 2 * time.Second

// ProbeHandler serves /metrics, /livez (the process answers) and /readyz (the service said it
// is ready and the database answers) for a worker or a watcher.
func ProbeHandler(s *Service) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(s.Metrics))
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.Ready() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		sqlDB, err := s.DB.DB()
		if err == nil {
			err = sqlDB.PingContext(ctx)
		}
		if err != nil {
			http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}

// startProbeServer listens on addr at once, so that a port already in use fails the start, and
// serves ProbeHandler until stop is called.
func startProbeServer(addr string, s *Service, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics server: %w", err)
	}
	srv := &http.Server{Handler: ProbeHandler(s), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server failed", "err", err)
		}
	}()
	log.Info("serving /metrics, /livez and /readyz", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// Healthcheck asks the process configured by cfg, on this host, whether it is alive: a GET of
// /livez on its HTTP address (the api) or its metrics address (worker, watcher).
func Healthcheck(ctx context.Context, cfg config.Config) error {
	addr := cfg.MetricsAddr
	if cfg.Service == config.ServiceAPI {
		addr = cfg.HTTPAddr
	}
	url, err := LivezURL(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// LivezURL is the /livez URL of a server listening on addr, reached from the same host: a
// wildcard or empty host becomes 127.0.0.1.
func LivezURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/livez", nil
}
