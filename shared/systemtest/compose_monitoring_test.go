package systemtest

// The monitoring containers and the secrets override, checked with `docker-compose config`
// like the other compose files: hardened by default, reachable only on the loopback unless the
// user says otherwise, and every container's logs rotated.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// healthPath is the page each monitoring container's healthcheck asks for.
var healthPath = map[string]string{"prometheus": "/-/healthy", "grafana": "/api/health", "alertmanager": "/-/healthy"}

func TestComposeMonitoringRunsHardenedAndOnTheLoopbackByDefault(t *testing.T) {
	t.Parallel()
	cfg, out, err := resolveCompose(t, nil, "compose.yaml")
	require.NoError(t, err, out)
	for _, name := range []string{"prometheus", "grafana", "alertmanager"} {
		s, ok := cfg.Services[name]
		require.True(t, ok, name)
		require.True(t, s.ReadOnly, "%s: read-only root", name)
		require.Equal(t, []string{"ALL"}, s.CapDrop, "%s: no capabilities", name)
		require.Contains(t, s.SecurityOpt, "no-new-privileges:true", name)
		require.NotEmpty(t, s.User, "%s: runs as its image's unprivileged user", name)
		require.False(t, strings.HasPrefix(s.User, "0:") || s.User == "0" || s.User == "root", "%s runs as %s", name, s.User)
		require.NotEmpty(t, s.Healthcheck.Test, "%s has a healthcheck", name)
		require.Contains(t, strings.Join(s.Healthcheck.Test, " "), healthPath[name], name)
		require.Len(t, s.Ports, 1, name)
		require.True(t, strings.HasPrefix(fmt.Sprint(s.Ports[0]), "127.0.0.1:"), "%s is published on the loopback only: %v", name, s.Ports[0])
	}
	grafana := cfg.Services["grafana"]
	require.Contains(t, grafana.Volumes, "grafana:/var/lib/grafana:rw", "Grafana writes only to its data volume")
	require.Equal(t, "service_healthy", grafana.DependsOn["prometheus"].Condition)
	require.Equal(t, "", grafana.Environment["GF_SECURITY_ADMIN_PASSWORD"], "no admin/admin default")
	require.Contains(t, strings.Join(grafana.Entrypoint, " "), "SHELF_GRAFANA_ADMIN_PASSWORD",
		"without a password Grafana refuses to start and says which variable to set")

	cfg, out, err = resolveCompose(t, map[string]string{"SHELF_GRAFANA_ADMIN_PASSWORD": "c0ffee", "SHELF_GRAFANA_PUBLISH": "0.0.0.0:3000"}, "compose.yaml")
	require.NoError(t, err, out)
	require.Equal(t, "c0ffee", cfg.Services["grafana"].Environment["GF_SECURITY_ADMIN_PASSWORD"], "password from deploy/.env")
	require.True(t, strings.HasPrefix(fmt.Sprint(cfg.Services["grafana"].Ports[0]), "0.0.0.0:3000"), "the user may publish it")
}

func TestComposePrometheusLoadsTheRulesBesideItsConfig(t *testing.T) {
	t.Parallel()
	cfg, out, err := resolveCompose(t, nil, "compose.yaml")
	require.NoError(t, err, out)
	var mounted bool
	for _, v := range cfg.Services["prometheus"].Volumes {
		mounted = mounted || strings.HasSuffix(fmt.Sprint(v), "/deploy/prometheus:/etc/prometheus:ro")
	}
	require.True(t, mounted, "deploy/prometheus (prometheus.yml, rules.yml, alerts.yml) at /etc/prometheus: %v", cfg.Services["prometheus"].Volumes)
}

func TestEveryComposeContainerRotatesItsLogs(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"SHELF_POSTGRES_PASSWORD": "x", "SHELF_DATABASE_URL": "postgres://a@b/c",
		"SHELF_DATA": "/d", "SHELF_LIBRARY": "/l"}
	for _, files := range [][]string{{"compose.yaml", "compose.postgres.yaml"}, {"compose.worker.yaml"}} {
		cfg, out, err := resolveCompose(t, vars, files...)
		require.NoError(t, err, out)
		for name, s := range cfg.Services {
			require.Equal(t, "json-file", s.Logging.Driver, "%v %s", files, name)
			require.Equal(t, "10m", s.Logging.Options["max-size"], "%v %s", files, name)
			require.Equal(t, "3", s.Logging.Options["max-file"], "%v %s", files, name)
		}
	}
}

func TestComposeSecretsOverrideHandsSecretsOverAsFiles(t *testing.T) {
	t.Parallel()
	cfg, out, err := resolveCompose(t, map[string]string{"SHELF_POSTGRES_PASSWORD": "x", "SHELF_API_TOKEN": "from-env"},
		"compose.yaml", "compose.postgres.yaml", "compose.secrets.yaml")
	require.NoError(t, err, out)
	for _, name := range []string{"api", "worker", "watcher"} {
		s := cfg.Services[name]
		require.Equal(t, "/run/secrets/shelf_database_url", s.Environment["SHELF_DATABASE_URL_FILE"], name)
		require.Empty(t, s.Environment["SHELF_DATABASE_URL"], "%s: a value and its file together are refused", name)
		require.Contains(t, fmt.Sprint(s.Secrets), "shelf_database_url", name)
	}
	api := cfg.Services["api"]
	require.Equal(t, "/run/secrets/shelf_api_token", api.Environment["SHELF_API_TOKEN_FILE"])
	require.Empty(t, api.Environment["SHELF_API_TOKEN"], "the token is not in the environment")
	require.Contains(t, fmt.Sprint(api.Secrets), "shelf_api_token")
	require.Equal(t, "/run/secrets/grafana_admin_password", cfg.Services["grafana"].Environment["GF_SECURITY_ADMIN_PASSWORD__FILE"])
	for secret, file := range map[string]string{"shelf_api_token": "api_token", "shelf_database_url": "database_url",
		"grafana_admin_password": "grafana_admin_password"} {
		require.True(t, strings.HasSuffix(cfg.Secrets[secret].File, "/deploy/secrets/"+file), "%s: %s", secret, cfg.Secrets[secret].File)
	}
}
