// Package servicetest builds shelf's service binaries and runs them as real
// processes, for the tests that check the services together: on one data
// folder, over HTTP, killed and restarted.
package servicetest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/testprocess"
)

// Build builds the named services (api, worker, watcher; all three when none
// is named) of this tree into a temporary folder and returns the folder.
func Build(t testing.TB, names ...string) string {
	t.Helper()
	if len(names) == 0 {
		names = []string{"api", "worker", "watcher"}
	}
	root := WorkspaceRoot(t)
	dir := t.TempDir()
	for _, name := range names {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "shelf-"+name), "./services/"+name)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "building shelf-%s:\n%s", name, out)
	}
	return dir
}

// WorkspaceRoot is the folder holding go.work, above the test's folder.
func WorkspaceRoot(t testing.TB) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.work above the test's folder")
		dir = parent
	}
}

// Process is one running service binary. Its output is kept for failure
// messages.
type Process struct {
	name     string
	cmd      *exec.Cmd
	out      *testprocess.SyncBuffer
	waitOnce sync.Once
	waitErr  error
}

// Start runs bins/shelf-<name> with env (and none of the machine's SHELF_
// variables) until the test ends: then SIGTERM, and a kill after 30 s. When
// the test failed, the process's output goes to the test log.
func Start(t testing.TB, bins, name string, env ...string) *Process {
	t.Helper()
	cmd := exec.Command(filepath.Join(bins, "shelf-"+name))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHELF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	p := &Process{name: name, cmd: cmd, out: &testprocess.SyncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start(), "starting shelf-%s", name)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			t.Logf("shelf-%s log:\n%s", name, p.Log())
		}
	})
	return p
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits for the process to exit; any number of callers may wait.
func (p *Process) Wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// Log is what the process wrote so far.
func (p *Process) Log() string { return p.out.String() }

// WriteSettings replaces the settings.yaml at path with one naming library as the only library
// folder and slots worker slots, in one rename as editors do, so that no service reads it half
// written.
func WriteSettings(t testing.TB, path, library string, slots int) {
	t.Helper()
	// titledb.url "" keeps the services on the bundled sample: tests never download.
	content := fmt.Sprintf("library:\n  paths:\n    - %q\ntitledb:\n  url: \"\"\nworker:\n  slots: %d\n", library, slots)
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, path))
}

// ShareSettings stores s as the settings in db on PostgreSQL, as the api does at its first start,
// so workers started before the api, or without one, follow them at once (on PostgreSQL they
// read no settings file). On SQLite it does nothing: the file in the data folder is the source.
func ShareSettings(t testing.TB, db *gorm.DB, s settings.Settings) {
	t.Helper()
	if !document.Shared(db) {
		return
	}
	text, err := settings.Marshal(s)
	require.NoError(t, err)
	_, err = document.New(db).Put(context.Background(), document.Settings, text, document.Any)
	require.NoError(t, err)
}

// FreeAddr returns a 127.0.0.1 address with a port nobody listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// Client is the HTTP client of these tests.
var Client = &http.Client{Timeout: 10 * time.Second}

// HTTPStatus is the status of GET url, or 0 when nothing answers.
func HTTPStatus(url string) int {
	resp, err := Client.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
