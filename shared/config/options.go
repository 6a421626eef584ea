package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// option is one setting: its flag, its variable, its default and how it lands in Config. The table
// below is the only place an option is described, so that flags, variables, defaults and usage text
// cannot drift apart.
type option struct {
	flag      string
	env       string
	def       string
	valueName string // shown after the flag in the usage, e.g. "DIR"
	usage     string
	services  []string
	isBool    bool
	apply     func(c *Config, value string) error
}

var allServices = []string{ServiceAPI, ServiceWorker, ServiceWatcher}

var options = []option{
	{
		flag: "data-dir", env: "SHELF_DATA_DIR", def: "./data", valueName: "DIR",
		usage:    "Folder for settings.yaml and, unless --database-url is set, the SQLite database.",
		services: allServices,
		apply: func(c *Config, v string) error {
			c.DataDir = v
			return nonEmpty(v)
		},
	},
	{
		flag: "database-url", env: "SHELF_DATABASE_URL", def: "", valueName: "URL",
		usage:    "Database to use; empty means <data-dir>/shelf.db.",
		services: allServices,
		apply:    func(c *Config, v string) error { c.DatabaseURL = v; return nil },
	},
	secretFileOption("database-url-file", "SHELF_DATABASE_URL_FILE",
		"File holding the database URL (a container secret, as the URL may carry a password); a final newline is ignored.",
		allServices, func(c *Config) *string { return &c.DatabaseURL }),
	{
		flag: "keys-file", env: "SHELF_KEYS_FILE", def: "", valueName: "FILE",
		usage:    "The console keys (prod.keys) content identification reads; empty means <data-dir>/prod.keys. A worker on a host without the data folder reads them from a secret mounted read-only.",
		services: []string{ServiceWorker},
		apply:    func(c *Config, v string) error { c.KeysFile = v; return nil },
	},
	{
		flag: "http-addr", env: "SHELF_HTTP_ADDR", def: ":8080", valueName: "ADDR",
		usage:    "Address for the REST API, the web UI and /metrics.",
		services: []string{ServiceAPI},
		apply:    func(c *Config, v string) error { c.HTTPAddr = v; return checkAddr(v) },
	},
	{
		flag: "metrics-addr", env: "SHELF_METRICS_ADDR", def: ":9100", valueName: "ADDR",
		usage:    "Address for /metrics.",
		services: []string{ServiceWorker, ServiceWatcher},
		apply:    func(c *Config, v string) error { c.MetricsAddr = v; return checkAddr(v) },
	},
	{
		flag: "api-token", env: "SHELF_API_TOKEN", def: "", valueName: "TOKEN",
		usage:    "Bearer token required for requests that change something; empty means none.",
		services: []string{ServiceAPI},
		apply:    func(c *Config, v string) error { c.APIToken = v; return nil },
	},
	secretFileOption("api-token-file", "SHELF_API_TOKEN_FILE",
		"File holding the API token (a container secret); a final newline is ignored.",
		[]string{ServiceAPI}, func(c *Config) *string { return &c.APIToken }),
	{
		flag: "api-token-reads", env: "SHELF_API_TOKEN_READS", def: "false",
		usage:    "Require the API token for reads too.",
		services: []string{ServiceAPI},
		isBool:   true,
		apply: func(c *Config, v string) (err error) {
			c.ReadToken, err = strconv.ParseBool(v)
			if err != nil {
				return errors.New("must be true or false")
			}
			return nil
		},
	},
	{
		flag: "admin-user", env: "SHELF_ADMIN_USER", def: "", valueName: "NAME",
		usage:    "First admin, made at start only while no user exists (with --admin-password).",
		services: []string{ServiceAPI},
		apply:    func(c *Config, v string) error { c.AdminUser = v; return nil },
	},
	{
		flag: "admin-password", env: "SHELF_ADMIN_PASSWORD", def: "", valueName: "PASSWORD",
		usage:    "Password of the first admin (prefer --admin-password-file: a flag shows in ps).",
		services: []string{ServiceAPI},
		apply:    func(c *Config, v string) error { c.AdminPassword = v; return nil },
	},
	secretFileOption("admin-password-file", "SHELF_ADMIN_PASSWORD_FILE",
		"File holding the first admin's password (a container secret); a final newline is ignored.",
		[]string{ServiceAPI}, func(c *Config) *string { return &c.AdminPassword }),
	{
		flag: "trusted-proxies", env: "SHELF_TRUSTED_PROXIES", def: "", valueName: "LIST",
		usage:    "Comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.",
		services: []string{ServiceAPI},
		apply: func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				if net.ParseIP(p) == nil {
					if _, _, err := net.ParseCIDR(p); err != nil {
						return fmt.Errorf("%q is neither an IP nor a CIDR", p)
					}
				}
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
			return nil
		},
	},
	{
		flag: "log-level", env: "SHELF_LOG_LEVEL", def: "info", valueName: "LEVEL",
		usage:    "Least important log lines written: debug, info, warn or error.",
		services: allServices,
		apply: func(c *Config, v string) error {
			c.LogLevel = strings.ToLower(v)
			_, err := parseLevel(c.LogLevel)
			return err
		},
	},
	{
		flag: "log-format", env: "SHELF_LOG_FORMAT", def: "text", valueName: "FORMAT",
		usage:    "Log line format: text or json.",
		services: allServices,
		apply: func(c *Config, v string) error {
			c.LogFormat = strings.ToLower(v)
			if c.LogFormat != "text" && c.LogFormat != "json" {
				return errors.New("must be text or json")
			}
			return nil
		},
	},
	{
		flag: "grace-period", env: "SHELF_GRACE_PERIOD", def: "25s", valueName: "DURATION",
		usage:    "On shutdown, how long running tasks may finish before they are left to lease expiry.",
		services: []string{ServiceWorker},
		apply: func(c *Config, v string) (err error) {
			c.GracePeriod, err = parseDuration(v, 0)
			return err
		},
	},
	{
		flag: "history-interval", env: "SHELF_HISTORY_INTERVAL", def: "15s", valueName: "DURATION",
		usage:    "How often the api samples the queue for the Health page's charts (1s to 1m); it keeps an hour of samples.",
		services: []string{ServiceAPI},
		apply: func(c *Config, v string) (err error) {
			c.HistoryInterval, err = time.ParseDuration(v)
			if err != nil || c.HistoryInterval < time.Second || c.HistoryInterval > time.Minute {
				return errors.New("must be a duration from 1s to 1m")
			}
			return nil
		},
	},
	{
		flag: "lease-timeout", env: "SHELF_LEASE_TIMEOUT", def: "30s", valueName: "DURATION",
		usage:    "How long a running task's lease lasts without a heartbeat before it may be rescued.",
		services: []string{ServiceWorker, ServiceAPI},
		apply: func(c *Config, v string) (err error) {
			c.LeaseTimeout, err = parseDuration(v, time.Nanosecond)
			return err
		},
	},
}

// secretFileOption is the --NAME-file twin of a secret option (listed before it in the table):
// the value is read from the file, as Docker and Kubernetes mount secrets, so it stays out of
// the environment and `docker inspect`. Setting both the value and its file is an error.
func secretFileOption(flag, env, usage string, services []string, field func(*Config) *string) option {
	return option{
		flag: flag, env: env, def: "", valueName: "FILE", usage: usage, services: services,
		apply: func(c *Config, path string) error {
			if path == "" {
				return nil
			}
			if *field(c) != "" {
				return errors.New("set either the value or its file, not both")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			*field(c) = strings.TrimRight(string(data), "\r\n")
			return nil
		},
	}
}

// optionsFor returns the options that apply to service, in table order; none for an unknown one.
func optionsFor(service string) []option {
	var out []option
	for _, o := range options {
		if slices.Contains(o.services, service) {
			out = append(out, o)
		}
	}
	return out
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func checkAddr(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("must be host:port or :port, such as :8080: %w", err)
	}
	return nil
}

func parseDuration(v string, least time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("must be a duration such as 30s or 2m")
	}
	if d < least {
		if least == 0 {
			return 0, errors.New("must not be negative")
		}
		return 0, errors.New("must be positive")
	}
	return d, nil
}

var levels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

func parseLevel(v string) (slog.Level, error) {
	level, ok := levels[v]
	if !ok {
		return 0, errors.New("must be debug, info, warn or error")
	}
	return level, nil
}

// parseLevelOrInfo serves a Config built by hand rather than by Load.
func parseLevelOrInfo(v string) slog.Level {
	level, err := parseLevel(strings.ToLower(v))
	if err != nil {
		return slog.LevelInfo
	}
	return level
}
