package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/storetest"
)

func TestCopyMovesEveryRowFromSQLiteToPostgreSQL(t *testing.T) {
	ctx := context.Background()
	dstDSN := storetest.NewPostgresDSN(t)
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "shelf.db"), store.Options{})
	require.NoError(t, err)
	defer store.Close(src)
	require.NoError(t, src.Exec(`INSERT INTO tasks (id, name, args, status, run_after, created_at, children_total)
		VALUES (1, 'fanout', '{"children":1}', 'waiting_for_children', 1, 1, 1)`).Error)
	require.NoError(t, src.Exec(`INSERT INTO tasks (id, name, args, status, run_after, created_at, parent_id, dedup_key, result)
		VALUES (2, 'echo', '{}', 'completed', 1, 1, 1, NULL, '{"ok":true}')`).Error)
	require.NoError(t, src.Exec(`INSERT INTO libraries (id, path) VALUES (1, '/library')`).Error)
	require.NoError(t, src.Exec(`INSERT INTO files (id, library_id, folder, name, extension, size, mtime, path, identified, created_at, updated_at)
		VALUES (7, 1, '/library', 'a.nsp', 'nsp', 10, 1, '/library/a.nsp', TRUE, 1, 1)`).Error)

	dst, err := store.Open(ctx, dstDSN, store.Options{})
	require.NoError(t, err)
	defer store.Close(dst)
	res, err := store.Copy(ctx, src, dst)
	require.NoError(t, err)
	require.Equal(t, 2, res["tasks"])
	require.Equal(t, 1, res["files"])

	var parent int64
	require.NoError(t, dst.Raw("SELECT parent_id FROM tasks WHERE id = 2").Scan(&parent).Error)
	require.EqualValues(t, 1, parent)
	var identified bool
	require.NoError(t, dst.Raw("SELECT identified FROM files WHERE id = 7").Scan(&identified).Error)
	require.True(t, identified)
	// New rows continue after the copied ids.
	var next int64
	require.NoError(t, dst.Raw(`INSERT INTO tasks (name, args, status, run_after, created_at)
		VALUES ('echo', '{}', 'pending', 1, 1) RETURNING id`).Scan(&next).Error)
	require.EqualValues(t, 3, next)

	_, err = store.Copy(ctx, src, dst)
	require.ErrorContains(t, err, "not empty", "copying twice is refused")
}
