package admin_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/admin"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/keys"
)

func TestBackupLeavesTheKeysOutUnlessAsked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	text := contenttest.NewKeys(rand.New(rand.NewPCG(1, 2)), 0).Text()
	_, err := keys.Save(f.dataDir, text)
	require.NoError(t, err)
	env := map[string]string{"SHELF_DATA_DIR": f.dataDir}

	plain := filepath.Join(t.TempDir(), "plain.db")
	status, out := runCommand(t, env, admin.BackupCommand, "--out", plain)
	require.Equal(t, 0, status, out)
	_, err = os.Stat(admin.KeysBackupPath(plain))
	require.ErrorIs(t, err, os.ErrNotExist, "a backup holds no keys unless asked")
	require.NotContains(t, out, "keys")

	with := filepath.Join(t.TempDir(), "with.db")
	status, out = runCommand(t, env, admin.BackupCommand, "--out", with, "--with-keys")
	require.Equal(t, 0, status, out)
	require.Contains(t, out, "keys file copied")
	info, err := os.Stat(admin.KeysBackupPath(with))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(keys.FileMode), info.Mode().Perm())
	copied, err := os.ReadFile(admin.KeysBackupPath(with))
	require.NoError(t, err)
	require.Equal(t, string(text), string(copied))
}

func TestBackupWithKeysSaysWhenThereAreNone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": f.dataDir}, admin.BackupCommand,
		"--out", filepath.Join(t.TempDir(), "b.db"), "--with-keys")
	require.Equal(t, 1, status)
	require.Contains(t, out, "no keys file")
}
