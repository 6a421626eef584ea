// Package config reads the process configuration of the shelf binaries (api, worker, watcher):
// what a process needs before it can open the database and read settings.yaml. Every value comes
// from an environment variable with the SHELF_ prefix, which suits containers, and can be
// overridden by a command-line flag of the same name, which suits running a binary by hand.
//
// What users change while shelf runs lives in settings.yaml instead (package settings).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The services, as passed to Load. Each binary is named "shelf-" + its service.
const (
	ServiceAPI     = "api"
	ServiceWorker  = "worker"
	ServiceWatcher = "watcher"
)

// Config is the configuration of one process. Fields that do not apply to Service keep their zero
// value.
type Config struct {
	// Service is "api", "worker" or "watcher".
	Service string
	// DataDir holds settings.yaml and, by default, the SQLite database. Defaults to "./data".
	DataDir string
	// DatabaseURL names the database; empty (the default) means <DataDir>/shelf.db.
	DatabaseURL string
	// KeysFile is the worker's keys file (prod.keys); empty (the default) means the one in DataDir.
	KeysFile string
	// HTTPAddr is where the api serves REST, the web UI and /metrics. Defaults to ":8080".
	HTTPAddr string
	// MetricsAddr is where a worker or watcher serves /metrics. Defaults to ":9100".
	MetricsAddr string
	// APIToken, when set, is the bearer token the api requires for requests that change something.
	APIToken string
	// ReadToken makes the api require APIToken for reads too. It needs APIToken.
	ReadToken bool
	// AdminUser and AdminPassword make the first admin at api start, only while no user exists.
	AdminUser     string
	AdminPassword string
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose X-Forwarded-For and
	// X-Forwarded-Proto the api believes; empty means none.
	TrustedProxies []string
	// LogLevel is "debug", "info" (the default), "warn" or "error".
	LogLevel string
	// LogFormat is "text" (the default) or "json".
	LogFormat string
	// GracePeriod is how long a stopping worker lets running tasks finish before it abandons them
	// to lease expiry. Defaults to 25s, under Docker's default 30s stop timeout.
	GracePeriod time.Duration
	// LeaseTimeout is how long a running task's lease lasts without a heartbeat before any process
	// may rescue it. Defaults to 30s.
	LeaseTimeout time.Duration
	// HistoryInterval is how often the api samples the queue for the Health page's charts.
	// Defaults to 15s; 1s to 1m.
	HistoryInterval time.Duration
}

// Load builds the configuration of service from getenv (normally os.Getenv) and args (normally
// os.Args[1:]). A flag overrides its environment variable, which overrides the default; an empty
// variable counts as unset. Only the flags that apply to service are accepted. For --help (or -h)
// the usage, which lists every flag with its variable and default, is written to stderr and the
// error is flag.ErrHelp, on which a main should exit with status 0. Any other error names the flag
// and the variable at fault.
func Load(service string, args []string, getenv func(string) string) (Config, error) {
	return load(service, args, getenv, os.Stderr)
}

// LoadCommand is Load for a subcommand of service's binary, such as `shelf-api backup`: args are
// those after the subcommand's name, defineFlags adds the subcommand's own flags beside the
// service's (so the same variables and flags name the data folder and the database), and --help
// shows both.
func LoadCommand(service, command string, args []string, getenv func(string) string, defineFlags func(*flag.FlagSet)) (Config, error) {
	return loadCommand(service, command, args, getenv, defineFlags, os.Stderr)
}

func load(service string, args []string, getenv func(string) string, usageOut io.Writer) (Config, error) {
	return loadCommand(service, "", args, getenv, nil, usageOut)
}

func loadCommand(service, command string, args []string, getenv func(string) string,
	defineFlags func(*flag.FlagSet), usageOut io.Writer) (Config, error) {
	opts := optionsFor(service)
	if len(opts) == 0 {
		return Config{}, fmt.Errorf("unknown service %q: want %q, %q or %q", service, ServiceAPI, ServiceWorker, ServiceWatcher)
	}
	name := binaryName(service)
	if command != "" {
		name += " " + command
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print its own usage, without the variables, and print errors that
	// Load also returns; the caller prints the error once.
	fs.SetOutput(io.Discard)
	var commandFlags *flag.FlagSet
	if defineFlags != nil {
		commandFlags = flag.NewFlagSet(name, flag.ContinueOnError)
		defineFlags(commandFlags)
		commandFlags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	}
	fromFlags := make([]*flagValue, len(opts))
	for i, o := range opts {
		fromFlags[i] = &flagValue{isBool: o.isBool}
		fs.Var(fromFlags[i], o.flag, o.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeUsage(usageOut, fs.Name(), opts, commandFlags)
			return Config{}, flag.ErrHelp
		}
		return Config{}, fmt.Errorf("%s: %w (see --help)", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%s: unexpected argument %q (see --help)", fs.Name(), fs.Arg(0))
	}

	c := Config{Service: service}
	for i, o := range opts {
		value := o.def
		if env := getenv(o.env); env != "" {
			value = env
		}
		if fromFlags[i].set {
			value = fromFlags[i].value
		}
		if err := o.apply(&c, value); err != nil {
			return Config{}, fmt.Errorf("invalid --%s (%s) %q: %w", o.flag, o.env, value, err)
		}
	}
	if (c.AdminUser == "") != (c.AdminPassword == "") {
		return Config{}, errors.New("--admin-user (SHELF_ADMIN_USER) and --admin-password (SHELF_ADMIN_PASSWORD or its file) go together")
	}
	// Protecting reads without a token would leave everything open while looking protected.
	if c.ReadToken && c.APIToken == "" {
		return Config{}, errors.New("--api-token-reads (SHELF_API_TOKEN_READS) needs --api-token (SHELF_API_TOKEN)")
	}
	return c, nil
}

func binaryName(service string) string { return "shelf-" + service }

// DatabasePath returns DatabaseURL, or the default database file in DataDir when it is empty.
func (c Config) DatabasePath() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "shelf.db")
}

// SettingsPath returns the path of settings.yaml.
func (c Config) SettingsPath() string {
	return filepath.Join(c.DataDir, "settings.yaml")
}

// Logger returns a logger that writes to w in LogFormat at LogLevel, with every line carrying
// service=<Service> so that the logs of all containers can be mixed and still told apart.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevelOrInfo(c.LogLevel)}
	var h slog.Handler
	if strings.EqualFold(c.LogFormat, "json") {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("service", c.Service)
}

// LogValue hides the API token and the admin password when a Config is logged.
func (c Config) LogValue() slog.Value {
	token := ""
	if c.APIToken != "" {
		token = "[redacted]"
	}
	return slog.GroupValue(
		slog.String("service", c.Service),
		slog.String("data_dir", c.DataDir),
		slog.String("database", c.DatabasePath()),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("api_token", token),
		slog.Bool("api_token_reads", c.ReadToken),
		slog.String("admin_user", c.AdminUser),
		slog.String("trusted_proxies", strings.Join(c.TrustedProxies, ",")),
		slog.String("log_level", c.LogLevel),
		slog.String("log_format", c.LogFormat),
		slog.Duration("grace_period", c.GracePeriod),
		slog.Duration("lease_timeout", c.LeaseTimeout),
		slog.Duration("history_interval", c.HistoryInterval),
	)
}
