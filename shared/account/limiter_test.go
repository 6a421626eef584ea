package account_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
)

func TestTheLimiterBlocksAKeyForTheRestOfItsWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	l := account.NewLimiter(3, time.Minute)
	l.Now = func() time.Time { return now }
	for range 2 {
		l.Fail("addr:1.2.3.4", "user:alice")
	}
	require.Zero(t, l.Blocked("addr:1.2.3.4"))
	now = now.Add(10 * time.Second)
	l.Fail("addr:1.2.3.4", "user:alice")
	require.Equal(t, 50*time.Second, l.Blocked("addr:1.2.3.4"))
	require.Equal(t, 50*time.Second, l.Blocked("user:bob", "user:alice"))
	require.Zero(t, l.Blocked("user:bob"))
	now = now.Add(50 * time.Second)
	require.Zero(t, l.Blocked("addr:1.2.3.4", "user:alice"), "a new window starts clean")
}
