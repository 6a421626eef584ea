// Package testprocess runs a test binary again as a helper process in a role (a real worker,
// an enqueuer, a load generator), for the tests that check behaviour across processes with
// real processes rather than goroutines pretending to be processes.
//
// The package's TestMain hands over to Main with its roles; a test starts a helper with Start.
package testprocess

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// roleVar names the role of a helper process; the test run itself has none.
const roleVar = "SHELF_TEST_ROLE"

// Main is a package's TestMain: without a role it runs the tests, with one it runs that role's
// function instead and exits with its status.
func Main(m *testing.M, roles map[string]func() int) {
	role := os.Getenv(roleVar)
	if role == "" {
		os.Exit(m.Run())
	}
	run, ok := roles[role]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown %s %q\n", roleVar, role)
		os.Exit(2)
	}
	os.Exit(run())
}

// Process is a helper process: this test binary in a role.
type Process struct {
	cmd      *exec.Cmd
	stdout   SyncBuffer
	stderr   SyncBuffer
	waitOnce sync.Once
	waitErr  error
}

// Start runs this test binary in role with the test's environment plus env, and kills it when
// the test ends if it is still running.
func Start(t testing.TB, role string, env ...string) *Process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), roleVar+"="+role), env...)
	p := &Process{cmd: cmd}
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	require.NoError(t, cmd.Start(), "starting the %s process", role)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = p.Wait()
		}
	})
	return p
}

// Wait waits for the process to exit; any number of callers may wait.
func (p *Process) Wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.cmd.Wait() })
	return p.waitErr
}

// Stop sends SIGTERM and requires a clean exit (status 0).
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.Wait(), "the process exits 0 on SIGTERM; stderr:\n%s", p.Stderr())
}

// Kill sends SIGKILL, the one signal a process cannot clean up after, and reaps it.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Kill())
	_ = p.Wait()
}

// Pid is the process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stdout is what the process wrote to its standard output so far.
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr is what the process wrote to its standard error so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// SyncBuffer collects a process's output while tests read it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
