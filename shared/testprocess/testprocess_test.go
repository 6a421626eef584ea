package testprocess

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/eventually"
)

func TestMain(m *testing.M) {
	Main(m, map[string]func() int{
		"greet": func() int {
			fmt.Println("hello from", os.Getenv("SHELF_TEST_NAME"))
			fmt.Fprintln(os.Stderr, "to stderr")
			return 3
		},
		"wait-for-sigterm": func() int {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGTERM)
			fmt.Println("ready")
			<-ch
			return 0
		},
	})
}

func TestAHelperRunsItsRoleWithTheGivenEnvironment(t *testing.T) {
	t.Parallel()
	p := Start(t, "greet", "SHELF_TEST_NAME=shelf")
	var exit *exec.ExitError
	require.ErrorAs(t, p.Wait(), &exit)
	require.Equal(t, 3, exit.ExitCode(), "the role's status is the process's")
	require.Equal(t, "hello from shelf\n", p.Stdout(), "no test ran: only the role")
	require.Equal(t, "to stderr\n", p.Stderr())
}

func TestStopEndsAHelperWithSIGTERM(t *testing.T) {
	t.Parallel()
	p := Start(t, "wait-for-sigterm")
	// Before it listens for SIGTERM, the signal would kill it instead.
	eventually.Holds(t, time.Minute, "the helper to be ready", func() bool { return p.Stdout() != "" })
	p.Stop(t)
	require.Equal(t, 0, p.cmd.ProcessState.ExitCode())
}

func TestAnUnknownRoleExitsWithStatusTwo(t *testing.T) {
	t.Parallel()
	p := Start(t, "no-such-role")
	var exit *exec.ExitError
	require.ErrorAs(t, p.Wait(), &exit)
	require.Equal(t, 2, exit.ExitCode())
	require.Contains(t, p.Stderr(), `unknown SHELF_TEST_ROLE "no-such-role"`)
}
