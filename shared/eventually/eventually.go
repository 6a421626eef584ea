// Package eventually is how shelf's tests wait for something another goroutine, process or
// container does: poll a condition until it holds, within a deadline. The deadlines are
// generous, because a shared machine may be slow and the tests check behaviour, not speed.
package eventually

import (
	"testing"
	"time"
)

// interval is how often Holds looks: often enough that a test does not wait long past the
// moment the condition holds, seldom enough not to load the machine it waits on.
const interval = 50 * time.Millisecond

// Holds polls cond until it returns true and fails the test when timeout passes first. cond
// runs on the test's goroutine, so it may use require.
func Holds(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Within(timeout, interval, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// Within polls cond every interval until it returns true (then true) or timeout passes
// (then false), for a caller that reports a timeout with more than Holds says.
func Within(timeout, interval time.Duration, cond func() bool) bool {
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(interval)
	}
	return true
}
