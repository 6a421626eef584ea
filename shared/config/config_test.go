package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// env returns a getenv over a fixed map, so tests never see the machine's environment.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(ServiceWorker, nil, env(nil))
	require.NoError(t, err)
	require.Equal(t, Config{
		Service:      ServiceWorker,
		DataDir:      "./data",
		MetricsAddr:  ":9100",
		LogLevel:     "info",
		LogFormat:    "text",
		GracePeriod:  25 * time.Second,
		LeaseTimeout: 30 * time.Second,
	}, c)
	require.Equal(t, filepath.Join("data", "shelf.db"), c.DatabasePath())
	require.Equal(t, filepath.Join("data", "settings.yaml"), c.SettingsPath())

	api, err := Load(ServiceAPI, nil, env(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", api.HTTPAddr)
	require.Empty(t, api.MetricsAddr)
	require.Zero(t, api.GracePeriod)
	require.Equal(t, 30*time.Second, api.LeaseTimeout)
	require.Equal(t, 15*time.Second, api.HistoryInterval)
}

func TestFlagOverridesEnvOverridesDefault(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"SHELF_DATA_DIR":      "/env/data",
		"SHELF_LOG_LEVEL":     "debug",
		"SHELF_GRACE_PERIOD":  "10s",
		"SHELF_DATABASE_URL":  "", // empty counts as unset
		"SHELF_LEASE_TIMEOUT": "1m",
	}
	c, err := Load(ServiceWorker, []string{"--data-dir", "/flag/data", "--grace-period=0s", "--log-format", "json"}, env(vars))
	require.NoError(t, err)
	require.Equal(t, "/flag/data", c.DataDir)         // flag over env
	require.Equal(t, time.Duration(0), c.GracePeriod) // a flag equal to zero still wins
	require.Equal(t, "debug", c.LogLevel)             // env over default
	require.Equal(t, time.Minute, c.LeaseTimeout)     // env over default
	require.Equal(t, "json", c.LogFormat)             // flag over default
	require.Equal(t, "/flag/data/shelf.db", c.DatabasePath())
}

func TestReadTokenFlagAndEnv(t *testing.T) {
	t.Parallel()
	c, err := Load(ServiceAPI, nil, env(map[string]string{"SHELF_API_TOKEN": "s3cret", "SHELF_API_TOKEN_READS": "true"}))
	require.NoError(t, err)
	require.True(t, c.ReadToken)

	c, err = Load(ServiceAPI, []string{"--api-token-reads=false"}, env(map[string]string{"SHELF_API_TOKEN": "s3cret", "SHELF_API_TOKEN_READS": "true"}))
	require.NoError(t, err)
	require.False(t, c.ReadToken)

	c, err = Load(ServiceAPI, []string{"--api-token", "x", "--api-token-reads"}, env(nil))
	require.NoError(t, err)
	require.True(t, c.ReadToken)
	require.Equal(t, "x", c.APIToken)
}

func TestOnlyTheServicesFlagsAreAccepted(t *testing.T) {
	t.Parallel()
	_, err := Load(ServiceWatcher, []string{"--grace-period", "5s"}, env(nil))
	require.ErrorContains(t, err, "shelf-watcher: flag provided but not defined: -grace-period")

	_, err = Load(ServiceWorker, []string{"--http-addr", ":1"}, env(nil))
	require.ErrorContains(t, err, "not defined: -http-addr")

	// A variable for another service is simply not read.
	c, err := Load(ServiceWatcher, nil, env(map[string]string{"SHELF_HTTP_ADDR": "bad"}))
	require.NoError(t, err)
	require.Empty(t, c.HTTPAddr)
}

func TestBadValuesNameFlagAndVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		service string
		args    []string
		vars    map[string]string
		want    string
	}{
		{"level from env", ServiceAPI, nil, map[string]string{"SHELF_LOG_LEVEL": "verbose"}, `invalid --log-level (SHELF_LOG_LEVEL) "verbose": must be debug, info, warn or error`},
		{"level from flag", ServiceAPI, []string{"--log-level=trace"}, nil, `--log-level (SHELF_LOG_LEVEL) "trace"`},
		{"format", ServiceWatcher, nil, map[string]string{"SHELF_LOG_FORMAT": "xml"}, `--log-format (SHELF_LOG_FORMAT) "xml": must be text or json`},
		{"duration", ServiceWorker, []string{"--grace-period", "soon"}, nil, `--grace-period (SHELF_GRACE_PERIOD) "soon": must be a duration`},
		{"negative grace", ServiceWorker, nil, map[string]string{"SHELF_GRACE_PERIOD": "-1s"}, "must not be negative"},
		{"zero lease", ServiceWorker, nil, map[string]string{"SHELF_LEASE_TIMEOUT": "0s"}, `--lease-timeout (SHELF_LEASE_TIMEOUT) "0s": must be positive`},
		{"history interval", ServiceAPI, nil, map[string]string{"SHELF_HISTORY_INTERVAL": "2h"}, `--history-interval (SHELF_HISTORY_INTERVAL) "2h": must be a duration from 1s to 1m`},
		{"address", ServiceAPI, nil, map[string]string{"SHELF_HTTP_ADDR": "8080"}, `--http-addr (SHELF_HTTP_ADDR) "8080": must be host:port`},
		{"bool", ServiceAPI, nil, map[string]string{"SHELF_API_TOKEN_READS": "maybe"}, `--api-token-reads (SHELF_API_TOKEN_READS) "maybe": must be true or false`},
		{"reads without token", ServiceAPI, []string{"--api-token-reads"}, nil, "needs --api-token (SHELF_API_TOKEN)"},
		{"empty data dir", ServiceAPI, []string{"--data-dir="}, nil, `--data-dir (SHELF_DATA_DIR) "": must not be empty`},
		{"positional", ServiceAPI, []string{"serve"}, nil, `unexpected argument "serve"`},
		{"unknown service", "scheduler", nil, nil, `unknown service "scheduler"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tc.service, tc.args, env(tc.vars))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestHelpListsEveryFlagWithItsVariableAndDefault(t *testing.T) {
	t.Parallel()
	for _, service := range allServices {
		t.Run(service, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			_, err := load(service, []string{"--help"}, env(nil), &out)
			require.ErrorIs(t, err, flag.ErrHelp)

			usage := out.String()
			require.True(t, strings.HasPrefix(usage, "Usage: shelf-"+service+" [flags]"), usage)
			for _, o := range options {
				if !slices.Contains(o.services, service) {
					require.NotContains(t, usage, "env "+o.env+",")
					continue
				}
				require.Contains(t, usage, "--"+o.flag)
				require.Contains(t, usage, "env "+o.env+`, default "`+o.def+`"`)
			}
		})
	}
}

func TestHelpNamesTheWorkerVariables(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := load(ServiceWorker, []string{"-h"}, env(nil), &out)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range []string{"SHELF_DATA_DIR", "SHELF_DATABASE_URL", "SHELF_METRICS_ADDR", "SHELF_LOG_LEVEL", "SHELF_LOG_FORMAT", "SHELF_GRACE_PERIOD", "SHELF_LEASE_TIMEOUT"} {
		require.Contains(t, out.String(), name)
	}
	require.NotContains(t, out.String(), "SHELF_API_TOKEN")
}

func TestLoggerUsesFormatLevelAndService(t *testing.T) {
	t.Parallel()
	c, err := Load(ServiceWatcher, []string{"--log-format", "json", "--log-level", "WARN"}, env(nil))
	require.NoError(t, err)
	var out bytes.Buffer
	log := c.Logger(&out)
	log.Info("hidden")
	log.Warn("shown", "n", 1)

	var line map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &line), out.String())
	require.Equal(t, "shown", line["msg"])
	require.Equal(t, "watcher", line["service"])

	out.Reset()
	Config{Service: ServiceAPI}.Logger(&out).Info("hand-built config logs text at info")
	require.Contains(t, out.String(), "service=api")
}

func TestLoggingAConfigHidesTheToken(t *testing.T) {
	t.Parallel()
	c, err := Load(ServiceAPI, nil, env(map[string]string{"SHELF_API_TOKEN": "s3cret"}))
	require.NoError(t, err)
	var out bytes.Buffer
	slog.New(slog.NewTextHandler(&out, nil)).Info("starting", "config", c)
	require.NotContains(t, out.String(), "s3cret")
	require.Contains(t, out.String(), "config.api_token=[redacted]")
}
