package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// POST /api/tasks enqueues any task with any args, so task args are request input: a
// library_path the settings do not name must not be scanned, organized or recorded, even with
// the organizer on and a game file there that it would move.
func TestTasksOnlyTouchConfiguredLibraryFolders(t *testing.T) {
	b := setup(t, organizerOn)
	outside := t.TempDir()
	game := filepath.Join(outside, "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	require.NoError(t, os.WriteFile(game, []byte("game"), 0o644))
	climb, err := filepath.Rel(b.lib, game) // ../../003/Lumen Drift...
	require.NoError(t, err)
	b.startPool(t)

	for _, args := range []queue.Args{
		ScanLibraryArgs{LibraryPath: outside},
		ScanLibraryArgs{LibraryPath: b.lib + "/.."},
		AddFilesArgs{LibraryPath: outside, Filepaths: []string{game}},
		HandleFileAddedArgs{LibraryPath: outside, Filepath: game},
		HandleFileMovedArgs{LibraryPath: outside, Src: game, Dest: game + ".moved"},
		HandleFileDeletedArgs{LibraryPath: outside, Filepath: game},
		OrganizeLibraryArgs{LibraryPath: outside},
		IdentifyLibraryArgs{LibraryPath: outside},
		HandleFileAddedArgs{LibraryPath: b.lib, Filepath: climb},
	} {
		task := b.run(t, args)
		require.Equal(t, queue.StatusFailed, task.Status, "%s %+v", args.Kind(), args)
		require.Equal(t, 1, task.Attempts, "%s %+v: refused for good, not retried", args.Kind(), args)
	}
	// A batch of a configured library skips the paths outside it (one bad path does not fail
	// the others) and records nothing of them.
	for _, p := range []string{game, climb} {
		task := b.run(t, AddFilesArgs{LibraryPath: b.lib, Filepaths: []string{p}})
		require.Equal(t, queue.StatusCompleted, task.Status, task.Error)
		var res BatchResult
		require.NoError(t, json.Unmarshal(task.Result, &res))
		require.Equal(t, BatchResult{Files: 1, Skipped: 1}, res, p)
	}
	_, err = os.Stat(game)
	require.NoError(t, err, "the file outside is where it was")
	libs, err := catalog.Libraries(b.db)
	require.NoError(t, err)
	for _, lib := range libs {
		require.Equal(t, b.lib, lib.Path, "only the configured library is in the catalog")
	}
	require.Zero(t, count(t, b.db, `SELECT COUNT(*) FROM files`))
}

// The api saves settings.yaml and enqueues the new folder's scan in the same breath; a worker
// whose live reload has not caught up yet still scans it (this manager never reloads at all).
func TestANewlyAddedLibraryIsScannedBeforeTheReload(t *testing.T) {
	b := setup(t, nil)
	added := filepath.Join(t.TempDir(), "added")
	require.NoError(t, os.MkdirAll(added, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(added, "Lumen Drift [0100A1B2C3D40000][v0].nsp"), []byte("game"), 0o644))
	s := b.mgr.Current()
	s.Library.Paths = append(s.Library.Paths, added)
	require.NoError(t, settings.Save(b.mgr.Path(), s))
	require.NotContains(t, b.mgr.Current().Library.Paths, added)
	b.startPool(t)

	task := b.run(t, ScanLibraryArgs{LibraryPath: added})
	require.Equal(t, queue.StatusCompleted, task.Status, task.Error)
}
