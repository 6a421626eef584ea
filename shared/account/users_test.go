package account_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/storetest"
)

func newUser(t *testing.T, db *gorm.DB, name string, roles account.RoleSet) account.User {
	t.Helper()
	u, err := account.CreateUser(context.Background(), db, account.NewUser{Username: name, Password: name + "-password", Roles: roles})
	require.NoError(t, err)
	return u
}

func TestUsersAreValidatedAndUnique(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	newUser(t, db, "alice", account.RoleSet{Shop: true})
	_, err := account.CreateUser(ctx, db, account.NewUser{Username: "alice", Password: "another-password"})
	require.ErrorIs(t, err, account.ErrExists)
	for name, field := range map[string]string{"": "username", "a:b": "username", "a/b": "username", " a": "username", "a\x01": "username"} {
		_, err := account.CreateUser(ctx, db, account.NewUser{Username: name, Password: "long-enough"})
		var invalid *account.InvalidError
		require.ErrorAs(t, err, &invalid, "%q", name)
		require.Equal(t, field, invalid.Field)
	}
	_, err = account.CreateUser(ctx, db, account.NewUser{Username: "bob", Password: "short"})
	var invalid *account.InvalidError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, "password", invalid.Field)
	_, err = account.NewRoleSet("roles", []string{"shop", "root"})
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, "roles", invalid.Field)
}

// The last admin can be neither deleted nor demoted; with a second admin both work.
func TestTheLastAdminStays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	newUser(t, db, "admin1", account.RoleSet{Admin: true})
	newUser(t, db, "shopper", account.RoleSet{Shop: true})
	require.ErrorIs(t, account.DeleteUser(ctx, db, "admin1"), account.ErrLastAdmin)
	shopOnly := account.RoleSet{Shop: true}
	_, err := account.UpdateUser(ctx, db, "admin1", account.UserChange{Roles: &shopOnly}, "")
	require.ErrorIs(t, err, account.ErrLastAdmin)
	require.NoError(t, account.DeleteUser(ctx, db, "shopper"))
	require.ErrorIs(t, account.DeleteUser(ctx, db, "shopper"), account.ErrNotFound)

	newUser(t, db, "admin2", account.RoleSet{Admin: true})
	u, err := account.UpdateUser(ctx, db, "admin1", account.UserChange{Roles: &shopOnly}, "")
	require.NoError(t, err)
	require.Equal(t, shopOnly, u.Roles)
	require.ErrorIs(t, account.DeleteUser(ctx, db, "admin2"), account.ErrLastAdmin)
}

// Two demotions of the last two admins at once: one wins, an admin stays.
func TestConcurrentDemotionsLeaveAnAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	newUser(t, db, "a1", account.RoleSet{Admin: true})
	newUser(t, db, "a2", account.RoleSet{Admin: true})
	none := account.RoleSet{}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, name := range []string{"a1", "a2"} {
		wg.Go(func() { _, errs[i] = account.UpdateUser(ctx, db, name, account.UserChange{Roles: &none}, "") })
	}
	wg.Wait()
	admin, err := account.AnyAdmin(ctx, db)
	require.NoError(t, err)
	require.True(t, admin, "errors: %v", errs)
	require.True(t, errs[0] == nil || errs[1] == nil, "one demotion succeeds: %v", errs)
}

// The first admin is made only while no user exists, once even when asked for concurrently.
func TestTheFirstAdminIsMadeOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	var wg sync.WaitGroup
	made := make([]bool, 4)
	for i := range made {
		wg.Go(func() {
			var err error
			_, made[i], err = account.CreateFirstAdmin(ctx, db, "admin", "admin-password")
			require.NoError(t, err)
		})
	}
	wg.Wait()
	n := 0
	for _, m := range made {
		if m {
			n++
		}
	}
	require.Equal(t, 1, n)
	_, again, err := account.CreateFirstAdmin(ctx, db, "other", "other-password")
	require.NoError(t, err)
	require.False(t, again)
	u, err := account.Authenticate(ctx, db, "admin", "admin-password")
	require.NoError(t, err)
	require.True(t, u.Roles.Admin)
}

// A new password works at once, the old one no more, and the user's other sessions end.
func TestANewPasswordEndsTheOtherSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	u := newUser(t, db, "alice", account.RoleSet{Shop: true})
	kept, err := account.CreateSession(ctx, db, u)
	require.NoError(t, err)
	ended, err := account.CreateSession(ctx, db, u)
	require.NoError(t, err)
	pw := "a-new-password"
	_, err = account.UpdateUser(ctx, db, "alice", account.UserChange{Password: &pw}, kept.Key)
	require.NoError(t, err)
	_, err = account.Authenticate(ctx, db, "alice", "alice-password")
	require.ErrorIs(t, err, account.ErrBadCredentials)
	_, err = account.Authenticate(ctx, db, "alice", pw)
	require.NoError(t, err)
	_, err = account.SessionByID(ctx, db, kept.ID)
	require.NoError(t, err)
	_, err = account.SessionByID(ctx, db, ended.ID)
	require.ErrorIs(t, err, account.ErrNotFound)
}

// An imported Werkzeug hash signs in and is replaced by argon2id on that first success.
func TestAWerkzeugHashIsRehashedOnTheFirstLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	v := werkzeugVectors[0]
	_, err := account.CreateUser(ctx, db, account.NewUser{Username: "ownfoil-admin", PasswordHash: v.hash, Roles: account.RoleSet{Admin: true}})
	require.NoError(t, err)
	_, err = account.Authenticate(ctx, db, "ownfoil-admin", "wrong")
	require.ErrorIs(t, err, account.ErrBadCredentials)
	require.Equal(t, v.hash, storedHash(t, db, "ownfoil-admin"), "a failure changes nothing")

	_, err = account.Authenticate(ctx, db, "ownfoil-admin", v.password)
	require.NoError(t, err)
	h := storedHash(t, db, "ownfoil-admin")
	require.Regexp(t, `^\$argon2id\$v=19\$m=19456,t=2,p=1\$`, h)
	_, err = account.Authenticate(ctx, db, "ownfoil-admin", v.password)
	require.NoError(t, err)
	require.Equal(t, h, storedHash(t, db, "ownfoil-admin"), "rehashed once")
}

func storedHash(t *testing.T, db *gorm.DB, name string) string {
	t.Helper()
	var h string
	require.NoError(t, db.Raw("SELECT password_hash FROM users WHERE username = ?", name).Scan(&h).Error)
	return h
}

func TestTokensAreShownOnceStoredHashedAndRevocable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	u := newUser(t, db, "alice", account.RoleSet{Shop: true})
	other := newUser(t, db, "bob", account.RoleSet{Shop: true})
	tok, secret, err := account.CreateToken(ctx, db, u, "switch")
	require.NoError(t, err)
	require.Regexp(t, `^shelf_[A-Za-z0-9_-]{43}$`, secret)
	_, _, err = account.CreateToken(ctx, db, u, "switch")
	require.ErrorIs(t, err, account.ErrExists)
	var stored int64
	require.NoError(t, db.Raw("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", secret).Scan(&stored).Error)
	require.Zero(t, stored, "the token itself is never stored")

	got, err := account.UserByToken(ctx, db, secret)
	require.NoError(t, err)
	require.Equal(t, "alice", got.Username)
	list, err := account.ListTokens(ctx, db, u)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NotNil(t, list[0].LastUsedAt)

	require.ErrorIs(t, account.RevokeToken(ctx, db, other, tok.ID), account.ErrNotFound, "only its owner revokes it")
	require.NoError(t, account.RevokeToken(ctx, db, u, tok.ID))
	_, err = account.UserByToken(ctx, db, secret)
	require.ErrorIs(t, err, account.ErrNotFound)
}
