package systemtest

// The container files for more than one host, checked with `docker-compose config` (which
// resolves the override and the variables without a Docker engine or any image): the
// PostgreSQL override points every service at PostgreSQL and waits for it, and a worker-only
// host runs nothing but workers.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

type composeConfig struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Volumes     []any    `yaml:"volumes"`
		User        string   `yaml:"user"`
		ReadOnly    bool     `yaml:"read_only"`
		CapDrop     []string `yaml:"cap_drop"`
		SecurityOpt []string `yaml:"security_opt"`
		Ports       []any    `yaml:"ports"`
		Entrypoint  []string `yaml:"entrypoint"`
		Secrets     []any    `yaml:"secrets"`
		Logging     struct {
			Driver  string            `yaml:"driver"`
			Options map[string]string `yaml:"options"`
		} `yaml:"logging"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

// composeCommand is the compose command: SHELF_E2E_COMPOSE (split at spaces) when set, else
// docker-compose (Debian's v1), else `docker compose` (v2); nil when there is none.
func composeCommand() []string {
	if c := strings.Fields(os.Getenv("SHELF_E2E_COMPOSE")); len(c) > 0 {
		return c
	}
	if _, err := exec.LookPath("docker-compose"); err == nil {
		return []string{"docker-compose"}
	}
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	return nil
}

// resolveCompose runs `<compose> -f file... config` with only vars in the environment (no
// deploy/.env, no SHELF_ variables of the machine) and returns the resolved configuration, or
// the command's output when it fails.
func resolveCompose(t *testing.T, vars map[string]string, files ...string) (composeConfig, string, error) {
	t.Helper()
	compose := composeCommand()
	if compose == nil {
		t.Skip("needs docker-compose or `docker compose` (only to resolve the files, no engine)")
	}
	envFile := filepath.Join(t.TempDir(), "empty.env")
	require.NoError(t, os.WriteFile(envFile, nil, 0o644))
	args := append(compose[1:], "--env-file", envFile)
	for _, f := range files {
		args = append(args, "-f", filepath.Join("..", "..", "deploy", f))
	}
	cmd := exec.Command(compose[0], append(args, "config")...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return composeConfig{}, string(out), err
	}
	var cfg composeConfig
	require.NoError(t, yaml.Unmarshal(out, &cfg), string(out))
	return cfg, string(out), nil
}

func TestComposePostgresOverridePointsEveryServiceAtPostgreSQL(t *testing.T) {
	t.Parallel()
	cfg, out, err := resolveCompose(t, map[string]string{"SHELF_POSTGRES_PASSWORD": "0123abcd"},
		"compose.yaml", "compose.postgres.yaml")
	require.NoError(t, err, out)

	pg, ok := cfg.Services["postgres"]
	require.True(t, ok, "the override adds a postgres service")
	require.Equal(t, "0123abcd", pg.Environment["POSTGRES_PASSWORD"], "password from the env file")
	require.NotEmpty(t, pg.Healthcheck.Test)
	require.Contains(t, strings.Join(pg.Healthcheck.Test, " "), "pg_isready")
	require.NotEmpty(t, pg.Volumes, "the data lives on a volume")
	require.Contains(t, cfg.Volumes, "postgres")

	for _, name := range []string{"api", "worker", "watcher"} {
		s := cfg.Services[name]
		require.Equal(t, "postgres://shelf:0123abcd@postgres:5432/shelf?sslmode=disable", s.Environment["SHELF_DATABASE_URL"], name)
		require.Equal(t, "service_healthy", s.DependsOn["postgres"].Condition, "%s waits for PostgreSQL", name)
	}
	// The override adds to the base file's start order rather than replacing it.
	require.Equal(t, "service_healthy", cfg.Services["worker"].DependsOn["api"].Condition)
	require.Equal(t, "service_healthy", cfg.Services["watcher"].DependsOn["api"].Condition)

	_, out, err = resolveCompose(t, nil, "compose.yaml", "compose.postgres.yaml")
	require.Error(t, err, "no password, no PostgreSQL")
	require.Contains(t, out, "SHELF_POSTGRES_PASSWORD")
}

func TestComposeWorkerHostRunsOnlyWorkersOnTheSharedDatabase(t *testing.T) {
	t.Parallel()
	url := "postgres://shelf:0123abcd@db.lan:5432/shelf?sslmode=disable"
	cfg, out, err := resolveCompose(t, map[string]string{"SHELF_DATABASE_URL": url,
		"SHELF_LIBRARY": "/mnt/shelf/library", "SHELF_KEYS": "/etc/shelf/prod.keys"}, "compose.worker.yaml")
	require.NoError(t, err, out)
	require.Len(t, cfg.Services, 1)
	w := cfg.Services["worker"]
	require.Equal(t, url, w.Environment["SHELF_DATABASE_URL"])
	require.Equal(t, "/data", w.Environment["SHELF_DATA_DIR"])
	require.Equal(t, "shelf-worker:latest", w.Image)
	// The library is the only folder of the main host; /data is the replica's own scratch.
	sources := map[string]string{}
	for _, v := range w.Volumes {
		switch v := v.(type) {
		case string:
			source, target, _ := strings.Cut(v, ":")
			if target == "" {
				source, target = "", source
			}
			sources[strings.SplitN(target, ":", 2)[0]] = source
		case map[string]any:
			source, _ := v["source"].(string)
			sources[v["target"].(string)] = source
		}
	}
	require.Equal(t, map[string]string{"/data": "", "/library": "/mnt/shelf/library"}, sources, out)
	// The console keys arrive as a secret file, read from where it is mounted.
	require.Equal(t, "/run/secrets/prod.keys", w.Environment["SHELF_KEYS_FILE"])
	require.Len(t, w.Secrets, 1, out)
	require.Equal(t, "/etc/shelf/prod.keys", cfg.Secrets["prod_keys"].File)

	_, out, err = resolveCompose(t, map[string]string{"SHELF_LIBRARY": "/l"}, "compose.worker.yaml")
	require.Error(t, err, "a worker host without a database URL would start a SQLite file of its own")
	require.Contains(t, out, "SHELF_DATABASE_URL")
}
