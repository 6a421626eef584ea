package eventually

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWithinIsTrueOnceTheConditionHolds(t *testing.T) {
	t.Parallel()
	calls := 0
	require.True(t, Within(time.Minute, time.Millisecond, func() bool { calls++; return calls == 3 }))
	require.Equal(t, 3, calls, "it stops looking once the condition holds")
}

func TestWithinIsFalseWhenTheTimeoutPassesFirst(t *testing.T) {
	t.Parallel()
	start := time.Now()
	require.False(t, Within(30*time.Millisecond, time.Millisecond, func() bool { return false }))
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "it looks until the timeout")
}

func TestHoldsFailsTheTestWhenTheTimeoutPasses(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	done := make(chan struct{})
	// Fatalf ends the goroutine that calls it, as it ends a test's.
	go func() { defer close(done); Holds(rec, 10*time.Millisecond, "nothing", func() bool { return false }) }()
	<-done
	require.Equal(t, "timed out after 10ms waiting for nothing", rec.fatal)
}

// recorder captures Fatalf instead of failing the test that uses it.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
