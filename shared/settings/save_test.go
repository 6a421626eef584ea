package settings

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSaveReplacesFileAndLeavesNoTemporaryFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.yaml")

	for slots := 1; slots <= 3; slots++ {
		s := Default()
		s.Worker.Slots = slots
		require.NoError(t, Save(path, s))
		got, err := Load(path)
		require.NoError(t, err)
		require.Equal(t, s, got)
	}

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "settings.yaml", entries[0].Name())
}

func TestSaveKeepsTheFileMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, Save(path, Default()))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm())

	require.NoError(t, os.Chmod(path, 0o600))
	require.NoError(t, Save(path, Default()))
	info, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestSaveRefusesInvalidSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.yaml")
	s := Default()
	s.Worker.Slots = 0
	requireInvalid(t, Save(path, s), "worker.slots", "between")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestSaveFailureLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Renaming a file over a non-empty directory fails after the temporary file was written.
	path := filepath.Join(dir, "settings.yaml")
	require.NoError(t, os.MkdirAll(filepath.Join(path, "occupied"), 0o755))
	require.Error(t, Save(path, Default()))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
}
