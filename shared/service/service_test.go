package service_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/storetest"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestRunWiresTheServiceAndServesProbes(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	addr := freeAddr(t)
	vars := env(map[string]string{
		"SHELF_DATA_DIR": dataDir, "SHELF_DATABASE_URL": storetest.NewDSN(t), "SHELF_METRICS_ADDR": addr})
	var logs bytes.Buffer

	status := service.Run(config.ServiceWatcher, nil, vars, &logs, func(ctx context.Context, s *service.Service) error {
		// Everything a main needs is open: the queue knows the diagnostic and pipeline tasks.
		for _, name := range []string{diagnostic.Echo, pipeline.ScanLibrary, pipeline.HandleFileAdded} {
			_, ok := s.Queue.Registry().Lookup(name)
			require.True(t, ok, name)
		}
		res, err := s.Queue.Enqueue(ctx, queue.Params{Name: diagnostic.Echo})
		require.NoError(t, err)
		require.Equal(t, queue.StatusPending, res.Task.Status)
		if storetest.Backend() == "postgres" {
			// The watcher follows the settings in the database and needs no file.
			require.Empty(t, s.Settings.Path())
			require.NoFileExists(t, filepath.Join(dataDir, "settings.yaml"))
		} else {
			require.Equal(t, filepath.Join(dataDir, "settings.yaml"), s.Settings.Path())
			require.FileExists(t, filepath.Join(dataDir, "settings.yaml"))
		}

		code, _ := get(t, "http://"+addr+"/livez")
		require.Equal(t, http.StatusOK, code)
		code, _ = get(t, "http://"+addr+"/readyz")
		require.Equal(t, http.StatusServiceUnavailable, code, "not ready until the service says so")
		s.SetReady(true)
		code, _ = get(t, "http://"+addr+"/readyz")
		require.Equal(t, http.StatusOK, code)
		code, body := get(t, "http://"+addr+"/metrics")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "shelf_settings_reload_errors_total")
		require.Contains(t, body, `service="watcher"`)

		require.Equal(t, 0, service.Run(config.ServiceWatcher, []string{service.HealthcheckCommand}, vars, io.Discard, nil))
		return nil
	})
	require.Equal(t, 0, status, logs.String())
	require.Contains(t, logs.String(), "service=watcher")

	// Stopped: the probe server is gone and the healthcheck says so.
	require.Equal(t, 1, service.Run(config.ServiceWatcher, []string{service.HealthcheckCommand}, vars, io.Discard, nil))
}

func TestRunExitStatus(t *testing.T) {
	t.Parallel()
	never := func(context.Context, *service.Service) error { panic("must not run") }
	var out bytes.Buffer
	require.Equal(t, 0, service.Run(config.ServiceWorker, []string{"--help"}, env(nil), &out, never))
	require.Equal(t, 2, service.Run(config.ServiceWorker, []string{"--log-level", "loud"}, env(nil), &out, never))
	require.Contains(t, out.String(), "--log-level")

	vars := env(map[string]string{"SHELF_DATA_DIR": t.TempDir(), "SHELF_DATABASE_URL": storetest.NewDSN(t), "SHELF_METRICS_ADDR": freeAddr(t)})
	out.Reset()
	status := service.Run(config.ServiceWorker, nil, vars, &out, func(context.Context, *service.Service) error {
		return errors.New("handler blew up")
	})
	require.Equal(t, 1, status)
	require.Contains(t, out.String(), "handler blew up")
}

func TestLivezURLReachesTheLocalServer(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		":9101":          "http://127.0.0.1:9101/livez",
		"0.0.0.0:9101":   "http://127.0.0.1:9101/livez",
		"[::]:8080":      "http://127.0.0.1:8080/livez",
		"127.0.0.1:8080": "http://127.0.0.1:8080/livez",
		"10.1.2.3:8080":  "http://10.1.2.3:8080/livez",
		"[::1]:8080":     "http://[::1]:8080/livez",
	} {
		got, err := service.LivezURL(addr)
		require.NoError(t, err, addr)
		require.Equal(t, want, got, addr)
	}
	_, err := service.LivezURL("8080")
	require.True(t, err != nil && strings.Contains(err.Error(), "8080"))
}

// A command with Args receives the words before its flags; one without refuses them.
func TestCommandArgumentsComeBeforeTheFlags(t *testing.T) {
	t.Parallel()
	never := func(context.Context, *service.Service) error { panic("must not run") }
	var got []string
	var roles string
	cmd := service.Command{
		Name: "user",
		Args: func(args []string) error {
			if len(args) != 2 {
				return errors.New("want a verb and a name")
			}
			got = args
			return nil
		},
		Flags: func(fs *flag.FlagSet) func(context.Context, config.Config, io.Writer) error {
			r := fs.String("roles", "", "")
			return func(context.Context, config.Config, io.Writer) error { roles = *r; return nil }
		},
	}
	var out bytes.Buffer
	require.Equal(t, 0, service.Run(config.ServiceAPI, []string{"user", "add", "alice", "--roles", "admin"}, env(nil), &out, never, cmd), out.String())
	require.Equal(t, []string{"add", "alice"}, got)
	require.Equal(t, "admin", roles)
	require.Equal(t, 2, service.Run(config.ServiceAPI, []string{"user", "add"}, env(nil), &out, never, cmd))
	require.Contains(t, out.String(), "want a verb and a name")
	cmd.Args = nil
	require.Equal(t, 2, service.Run(config.ServiceAPI, []string{"user", "add", "alice"}, env(nil), &out, never, cmd))
}
