package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/ownfoil/ownfoiltest"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

func TestImportOwnfoilPrintsThePlanAndChangesNothingWithoutApply(t *testing.T) {
	t.Parallel()
	from := ownfoiltest.New(t).Dir
	data := t.TempDir()
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": data}, "import-ownfoil", "--from", from)
	require.Equal(t, 0, status, out)
	require.Contains(t, out, "library /games: would import 6 files")
	require.Contains(t, out, "dry run: nothing changed")
	entries, err := os.ReadDir(data)
	require.NoError(t, err)
	require.Empty(t, entries, "no settings file, no database")
}

func TestImportOwnfoilApplyWritesSettingsAndCatalog(t *testing.T) {
	t.Parallel()
	fx := ownfoiltest.New(t)
	data := t.TempDir()
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": data}, "import-ownfoil", "--from", fx.Dir, "--apply")
	require.Equal(t, 0, status, out)
	require.Contains(t, out, "7 files (5 identified as Ownfoil did, 0 kept as shelf had them)")
	s, err := settings.Load(filepath.Join(data, "settings.yaml"))
	require.NoError(t, err)
	require.Equal(t, []string{"/games", fx.LocalLib}, s.Library.Paths)
	require.Equal(t, 4, s.Worker.Slots)
	db, err := store.Open(context.Background(), filepath.Join(data, "shelf.db"), store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	libs, err := catalog.Libraries(db)
	require.NoError(t, err)
	require.Len(t, libs, 2)
}

func TestImportOwnfoilRequiresFrom(t *testing.T) {
	t.Parallel()
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": t.TempDir()}, "import-ownfoil")
	require.NotEqual(t, 0, status)
	require.Contains(t, out, "--from is required")
}

func TestImportOwnfoilApplyOnPostgreSQLStoresTheSettingsWhereWorkersReadThem(t *testing.T) {
	t.Parallel()
	fx := ownfoiltest.New(t)
	data := t.TempDir()
	dsn := storetest.NewPostgresDSN(t)
	status, out := runCommand(t, map[string]string{"SHELF_DATA_DIR": data, "SHELF_DATABASE_URL": dsn},
		"import-ownfoil", "--from", fx.Dir, "--apply")
	require.Equal(t, 0, status, out)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	require.NoError(t, err)
	defer store.Close(db)
	text, _, err := document.New(db).Get(context.Background(), document.Settings)
	require.NoError(t, err)
	s, err := settings.Parse(text)
	require.NoError(t, err)
	require.Equal(t, []string{"/games", fx.LocalLib}, s.Library.Paths)
	onDisk, err := settings.Load(filepath.Join(data, "settings.yaml"))
	require.NoError(t, err)
	require.Equal(t, s, onDisk, "the api host's file follows")
}
