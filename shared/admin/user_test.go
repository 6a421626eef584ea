package admin_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/admin"
	"github.com/shelfhq/shelf/shared/storetest"
)

// `shelf-api user add` reads the password from stdin (never from an argument) and makes the
// user with its roles; a wrong role or a short password makes nothing.
func TestUserAddReadsThePasswordFromStdin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := storetest.Open(t)
	var out bytes.Buffer
	require.NoError(t, admin.AddUser(ctx, db, "alice", []string{"admin", " shop"}, strings.NewReader("alice-password\n"), &out))
	require.Contains(t, out.String(), "added user alice with roles admin, shop")
	u, err := account.Authenticate(ctx, db, "alice", "alice-password")
	require.NoError(t, err)
	require.Equal(t, account.RoleSet{Admin: true, Shop: true}, u.Roles)

	require.ErrorContains(t, admin.AddUser(ctx, db, "bob", []string{"root"}, strings.NewReader("bob-password\n"), &out), "--roles")
	require.ErrorContains(t, admin.AddUser(ctx, db, "bob", []string{"shop"}, strings.NewReader(""), &out), "no password")
	require.ErrorContains(t, admin.AddUser(ctx, db, "bob", []string{"shop"}, strings.NewReader("short\n"), &out), "password")
	require.ErrorIs(t, admin.AddUser(ctx, db, "alice", []string{"shop"}, strings.NewReader("alice-password\n"), &out), account.ErrExists)
	n, err := account.CountUsers(ctx, db)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}
