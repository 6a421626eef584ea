package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/storetest"
)

func TestASessionIsFoundByItsCookieWithItsUserAndEndsAtLogout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	u, err := account.CreateUser(ctx, db, account.NewUser{Username: "alice", Password: "alice-password",
		Roles: account.RoleSet{Admin: true}})
	require.NoError(t, err)
	s, err := account.CreateSession(ctx, db, u)
	require.NoError(t, err)
	require.NotEqual(t, s.ID, s.Key, "the database holds a digest, not the cookie's id")

	got, err := account.SessionByID(ctx, db, s.ID)
	require.NoError(t, err)
	require.Equal(t, "alice", got.User.Username)
	require.True(t, got.User.Roles.Admin)
	require.Equal(t, s.Key, got.Key)
	require.WithinDuration(t, time.Now().Add(account.SessionIdle), got.ExpiresAt, time.Minute)

	_, err = account.SessionByID(ctx, db, s.Key)
	require.ErrorIs(t, err, account.ErrNotFound, "the stored digest is no cookie")
	require.NoError(t, account.DeleteSession(ctx, db, s.ID))
	_, err = account.SessionByID(ctx, db, s.ID)
	require.ErrorIs(t, err, account.ErrNotFound)
}

func TestExpiredSessionsArePrunedAndNotHonoured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	u, err := account.CreateUser(ctx, db, account.NewUser{Username: "alice", Password: "alice-password"})
	require.NoError(t, err)
	s, err := account.CreateSession(ctx, db, u)
	require.NoError(t, err)
	n, err := account.PruneSessions(ctx, db, time.Now())
	require.NoError(t, err)
	require.Zero(t, n, "a live session stays")
	n, err = account.PruneSessions(ctx, db, time.Now().Add(account.SessionIdle+time.Minute))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	_, err = account.SessionByID(ctx, db, s.ID)
	require.ErrorIs(t, err, account.ErrNotFound)
}
