package catalog_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/storetest"
)

// A lookup by a name PostgreSQL cannot take as text is "not found", never a database error.
func TestFileByNameRefusesNamesNoRowCanHave(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	lib, err := catalog.EnsureLibrary(db, filepath.Join(t.TempDir(), "games"))
	require.NoError(t, err)
	f, _, err := catalog.UpsertFile(db, lib.ID, filepath.Join(lib.Path, "a.nsp"), 1, time.Now())
	require.NoError(t, err)
	got, err := catalog.FileByName(db, "a.nsp")
	require.NoError(t, err)
	require.Equal(t, f.ID, got.ID)
	for _, name := range []string{"a\x00.nsp", "\x00", "a\xff.nsp", "\xc3\x28"} {
		_, err := catalog.FileByName(db, name)
		require.ErrorIs(t, err, catalog.ErrNotFound, "%q", name)
		_, err = catalog.FileByPath(db, filepath.Join(lib.Path, name))
		require.ErrorIs(t, err, catalog.ErrNotFound, "%q", name)
	}
	found, err := catalog.FilesByPaths(db, []string{filepath.Join(lib.Path, "a.nsp"), "/x\x00"})
	require.NoError(t, err)
	require.Len(t, found, 1)
}
