// Package service is the start-up and shutdown that every shelf binary (api, worker, watcher)
// shares, so that each main only wires its own part: configuration, logging, the database, the
// task registry and queue, live settings, metrics, signals and the healthcheck subcommand.
package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/keys"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
)

// HealthcheckCommand is the subcommand that asks a running process whether it is alive, for
// container healthchecks: the runtime image has no shell or curl.
const HealthcheckCommand = "healthcheck"

// Service is what a main gets: everything opened and running, ready to wire.
type Service struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *gorm.DB
	Queue    *queue.Queue
	Settings *settings.Manager
	// Metrics is the process's registry, served at /metrics.
	Metrics *prometheus.Registry

	ready atomic.Bool
}

// SetReady says whether the process is ready to do its work; /readyz answers 503 until it is.
func (s *Service) SetReady(ready bool) { s.ready.Store(ready) }

// Ready reports what SetReady said last.
func (s *Service) Ready() bool { return s.ready.Load() }

// RunFunc is a service's own part. It runs until ctx is cancelled (SIGTERM or SIGINT), then
// shuts down within its own deadline and returns; a non-nil error makes the process exit 1.
type RunFunc func(ctx context.Context, s *Service) error

// Command is a subcommand of a binary, such as `shelf-api backup`: a one-off job run with the
// service's configuration (data folder, database) instead of the service itself.
type Command struct {
	// Name is the first argument that selects the command.
	Name string
	// Summary is the one line that --help shows for it.
	Summary string
	// Flags defines the command's own flags on fs and returns what runs once they are parsed.
	// out is for what the command reports to the user.
	Flags func(fs *flag.FlagSet) func(ctx context.Context, cfg config.Config, out io.Writer) error
	// Args, when set, receives the arguments before the first flag (`user add alice --roles
	// admin` gives it "add", "alice"); an error is a usage error. Without it a command takes
	// flags only.
	Args func(args []string) error
}

// Main runs the binary of service with os.Args and the environment, and exits with its status.
// commands are the binary's subcommands besides healthcheck.
func Main(service string, run RunFunc, commands ...Command) {
	os.Exit(Run(service, os.Args[1:], os.Getenv, os.Stderr, run, commands...))
}

// Run is Main without the exit: it returns the status (0 on a clean stop or --help, 1 when the
// service or a command fails, 2 for bad configuration). Logs go to logOut.
func Run(service string, args []string, getenv func(string) string, logOut io.Writer, run RunFunc, commands ...Command) int {
	if len(args) > 0 {
		for _, c := range commands {
			if args[0] == c.Name {
				return runCommand(service, c, args[1:], getenv, logOut)
			}
		}
	}
	healthcheck := len(args) > 0 && args[0] == HealthcheckCommand
	if healthcheck {
		args = args[1:]
	}
	cfg, err := config.Load(service, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		writeCommands(logOut, service, commands)
		return 0
	}
	if err != nil {
		fmt.Fprintln(logOut, err)
		return 2
	}
	if healthcheck {
		if err := Healthcheck(context.Background(), cfg); err != nil {
			fmt.Fprintln(logOut, "unhealthy:", err)
			return 1
		}
		return 0
	}

	log := cfg.Logger(logOut)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serve(ctx, cfg, log, run); err != nil {
		log.Error("stopped with an error", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// serve opens everything the service needs, runs it and closes everything again.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, run RunFunc) error {
	log.Info("starting", "config", cfg)
	s, closeAll, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()

	// The settings watcher stops with ctx; it only fails when the folder cannot be watched, and
	// then the process keeps the settings it has, which is worth a log line but not an exit.
	settingsCtx, stopSettings := context.WithCancel(context.Background())
	settingsDone := make(chan struct{})
	go func() {
		defer close(settingsDone)
		if err := s.Settings.Run(settingsCtx); err != nil {
			log.Error("settings.yaml is no longer watched; edits apply after a restart", "err", err)
		}
	}()
	defer func() { stopSettings(); <-settingsDone }()

	if cfg.MetricsAddr != "" {
		stopHTTP, err := startProbeServer(cfg.MetricsAddr, s, log)
		if err != nil {
			return err
		}
		defer stopHTTP()
	}
	return run(ctx, s)
}

// open builds the Service. closeAll closes what open opened.
func open(ctx context.Context, cfg config.Config, log *slog.Logger) (s *Service, closeAll func(), err error) {
	db, err := store.Open(ctx, cfg.DatabasePath(), store.Options{})
	if err != nil {
		return nil, nil, err
	}
	closeAll = func() {
		if err := store.Close(db); err != nil {
			log.Warn("closing database", "err", err)
		}
	}
	manager, err := OpenSettings(ctx, cfg, db, log)
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("loading settings: %w", err)
	}

	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	deps := pipeline.Deps{DB: db, Settings: manager, DataDir: cfg.DataDir, Logger: log}
	if cfg.KeysFile != "" {
		deps.Keys = keys.NewFileStore(cfg.KeysFile)
	}
	pipeline.Register(reg, deps)
	q := queue.New(db, reg, queue.Options{LeaseTimeout: cfg.LeaseTimeout})

	promReg := metrics.NewRegistry(cfg.Service)
	metrics.RegisterSettingsReloadErrors(promReg, manager.ReloadErrors)
	metrics.RegisterDataVolume(promReg, cfg.DataDir)

	return &Service{Config: cfg, Log: log, DB: db, Queue: q, Settings: manager, Metrics: promReg}, closeAll, nil
}

// OpenSettings loads the settings of cfg's service, for the services and for the commands that
// change settings. On SQLite settings.yaml in the data folder is their one copy,
// watched by every process. On PostgreSQL, where hosts share no folder, the database holds them
// (document.Settings) and every process follows it live; the api also keeps settings.yaml in its
// data folder in step (imported at the first start or when edited, rewritten when the database
// changes), while workers and the watcher need no settings file at all.
func OpenSettings(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger) (*settings.Manager, error) {
	if !document.Shared(db) {
		return settings.NewManager(cfg.SettingsPath(), log)
	}
	path := ""
	if cfg.Service == config.ServiceAPI {
		path = cfg.SettingsPath()
	}
	return settings.NewSharedManager(ctx, settings.SharedOptions{
		Shared: document.New(db).Named(document.Settings),
		Path:   path,
		Log:    log,
	})
}

// runCommand runs a subcommand: 0 when it succeeds (or for --help), 1 when it fails, 2 for bad
// flags or configuration.
func runCommand(service string, c Command, args []string, getenv func(string) string, out io.Writer) int {
	var exec func(ctx context.Context, cfg config.Config, out io.Writer) error
	var positional []string
	if c.Args != nil {
		for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			positional, args = append(positional, args[0]), args[1:]
		}
	}
	cfg, err := config.LoadCommand(service, c.Name, args, getenv, func(fs *flag.FlagSet) { exec = c.Flags(fs) })
	if err == nil && c.Args != nil {
		if err = c.Args(positional); err != nil {
			err = fmt.Errorf("shelf-%s %s: %w (see --help)", service, c.Name, err)
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(out, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := exec(ctx, cfg, out); err != nil {
		fmt.Fprintf(out, "%s: %v\n", c.Name, err)
		return 1
	}
	return 0
}

// writeCommands lists the subcommands under the flags that --help printed.
func writeCommands(w io.Writer, service string, commands []Command) {
	fmt.Fprintf(w, "\nCommands (shelf-%s COMMAND --help shows a command's flags):\n", service)
	fmt.Fprintf(w, "  %-12s %s\n", HealthcheckCommand, "exit 0 when the running service answers on /livez, 1 otherwise")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.Name, c.Summary)
	}
}
