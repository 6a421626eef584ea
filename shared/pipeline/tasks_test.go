package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/titledb"
)

// put writes a placeholder game file at rel in the library and returns its path.
func (b *bundle) put(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(b.lib, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte("placeholder "+rel), 0o644))
	return p
}

func (b *bundle) titleIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	require.NoError(t, b.db.Model(&catalog.Title{}).Order("title_id").Pluck("title_id", &ids).Error)
	return ids
}

func TestUpdateTitleDBInstallsTheSampleAndScansEveryLibrary(t *testing.T) {
	second := filepath.Join(t.TempDir(), "second")
	require.NoError(t, os.MkdirAll(second, 0o755))
	b := setup(t, func(s *settings.Settings) { s.Library.Paths = append(s.Library.Paths, second) })
	b.put(t, "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	b.startPool(t)

	task := b.run(t, UpdateTitleDBArgs{})
	require.Equal(t, queue.StatusCompleted, task.Status)
	_, err := titledb.Load(TitleDBDir(b.data), "US", "en")
	require.NoError(t, err, "the bundled sample is installed")
	require.Equal(t, 2, b.tasksNamed(t, ScanLibrary))
	libs, err := catalog.Libraries(b.db)
	require.NoError(t, err)
	require.Len(t, libs, 2)
	for _, lib := range libs {
		require.NotNil(t, lib.LastScanAt, "%s scanned", lib.Path)
	}
	require.Equal(t, []string{"0100A1B2C3D40000"}, b.titleIDs(t))
}

func TestUpdateTitleDBDownloadsWithConditionalRequests(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range []string{"titles.US.en.json", "cnmts.json", "versions.json", "languages.json"} {
		data, err := os.ReadFile(filepath.Join("..", "titledb", "sample", name))
		require.NoError(t, err)
		files[name] = data
	}
	srv, log := serveTitleDB(t, files)
	b := setup(t, func(s *settings.Settings) { s.TitleDB.URL = srv.URL; s.Library.Paths = nil })
	b.startPool(t)

	first := b.run(t, UpdateTitleDBArgs{})
	require.Equal(t, queue.StatusCompleted, first.Status, first.Error)
	require.JSONEq(t, `{"changed": true, "libraries": 0}`, string(first.Result))
	requests, conditional := log.counts()
	// The community name US.en.json first (404 here), then this mirror's titles.US.en.json,
	// cnmts.json, versions.json and languages.json.
	require.Equal(t, 5, requests)
	require.Zero(t, conditional)

	second := b.run(t, UpdateTitleDBArgs{})
	require.JSONEq(t, `{"changed": false, "libraries": 0}`, string(second.Result))
	requests, conditional = log.counts()
	require.Equal(t, 9, requests, "the name that answered is asked first")
	require.Equal(t, 4, conditional, "the second download asks only for changes")
}

func TestUpdateTitleDBRunsEveryScanInterval(t *testing.T) {
	b := setup(t, nil)
	def, ok := b.q.Registry().Lookup(UpdateTitleDB)
	require.True(t, ok)
	require.Zero(t, def.Every(), `scan_interval "0" switches periodic scans off`)
	_, err := b.mgr.Update([]byte(`{"scheduler": {"scan_interval": "90m"}}`))
	require.NoError(t, err)
	require.Equal(t, 90*time.Minute, def.Every(), "read live from settings")
}

func TestScanRecordsGameFilesAndRescansOnlyChanges(t *testing.T) {
	b := setup(t, nil)
	files := b.writeSample(t)
	leftover := b.put(t, "Switch/Lumen Drift [0100A1B2C3D40000][v0].nsp.partial-1234")
	b.startPool(t)

	first := b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	require.Equal(t, queue.StatusCompleted, first.Status)
	games := 0
	for _, f := range files {
		if organize.IsGameFile(f.Path) {
			games++
		}
	}
	require.Equal(t, games, count(t, b.db, `SELECT COUNT(*) FROM files`), "game files only")
	require.Equal(t, games-len(pipelinetest.Unidentifiable), count(t, b.db, `SELECT COUNT(*) FROM files WHERE identified`))
	_, err := catalog.FileByPath(b.db, leftover)
	require.ErrorIs(t, err, catalog.ErrNotFound, "partial copies are skipped")
	require.Equal(t, 1, b.tasksNamed(t, ScanLibraryDone))

	second := b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	require.JSONEq(t, `{"files": `+jsonInt(games)+`, "added": 0, "missing": 0}`, string(second.Result), "nothing changed")

	changed := filepath.Join(b.lib, filepath.FromSlash(files[0].Path))
	before := b.file(t, changed)
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(changed, later, later))
	third := b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	require.JSONEq(t, `{"files": `+jsonInt(games)+`, "added": 1, "missing": 0}`, string(third.Result))
	after := b.file(t, changed)
	require.Equal(t, before.ID, after.ID)
	require.Equal(t, later.UnixMicro(), after.Mtime)
	require.True(t, after.Identified, "a changed file is identified again")
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestScanOfAMissingFolderFailsAndForgetsNothing(t *testing.T) {
	b := setup(t, nil)
	path := b.put(t, "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	b.startPool(t)
	b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	require.NoError(t, os.Rename(b.lib, b.lib+".unplugged"))

	task := b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	require.Equal(t, queue.StatusFailed, task.Status)
	require.Contains(t, task.Error, "not available")
	b.file(t, path)
	require.Equal(t, 1, b.tasksNamed(t, ScanLibraryDone), "no continuation for the failed scan")
}

func TestIdentifyFileOnItsOwnRecordsAppsAndQueuesTheFollowUps(t *testing.T) {
	b := setup(t, organizerOn)
	path := b.put(t, "incoming/Lumen Drift [0100A1B2C3D40000][v0].nsp")
	lib, err := catalog.EnsureLibrary(b.db, b.lib)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	f, _, err := catalog.UpsertFile(b.db, lib.ID, path, info.Size(), info.ModTime())
	require.NoError(t, err)
	b.startPool(t)

	task := b.run(t, IdentifyFileArgs{FileID: f.ID})
	require.Equal(t, queue.StatusCompleted, task.Status)
	apps, err := catalog.AppsOfFile(b.db, f.ID)
	require.NoError(t, err)
	require.Len(t, apps, 1)
	require.Equal(t, "0100A1B2C3D40000", apps[0].AppID)
	require.Equal(t, 1, b.tasksNamed(t, AddMissingAppsForTitle))
	require.Equal(t, 1, b.tasksNamed(t, UpdateTitlesForTitle))
	require.Equal(t, 1, b.tasksNamed(t, OrganizeFile))
	moved, err := catalog.FileByID(b.db, f.ID)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40000][v0].nsp"), moved.Path)
	title, err := catalog.TitleByTitleID(b.db, "0100A1B2C3D40000")
	require.NoError(t, err)
	require.Equal(t, "Lumen Drift", title.Name)
	require.FileExists(t, LibraryIndexPath(b.data))
}

func TestUnidentifiableFileIsRecordedAndNotRetried(t *testing.T) {
	b := setup(t, nil)
	path := b.put(t, "random backup.nsp")
	lib, err := catalog.EnsureLibrary(b.db, b.lib)
	require.NoError(t, err)
	f, _, err := catalog.UpsertFile(b.db, lib.ID, path, 1, time.Now())
	require.NoError(t, err)
	b.startPool(t)

	task := b.run(t, IdentifyFileArgs{FileID: f.ID})
	require.Equal(t, queue.StatusFailed, task.Status)
	require.Equal(t, 1, task.Attempts, "failed permanently, not retried")
	row := b.file(t, path)
	require.False(t, row.Identified)
	require.Equal(t, "unidentifiable: content: not an NSP, NSZ, XCI or XCZ container; file name: no [app id] in file name", row.IdentificationError)
	require.Equal(t, 1, row.IdentificationAttempts)
}

func TestIdentifyLibraryIdentifiesWhatIsLeftAndGoesOn(t *testing.T) {
	b := setup(t, nil)
	lib, err := catalog.EnsureLibrary(b.db, b.lib)
	require.NoError(t, err)
	for _, name := range []string{"Lumen Drift [0100A1B2C3D40000][v0].nsp", "Harbor of Echoes [0100B7E4F2A60000][v0].xci", "nothing.nsp"} {
		_, _, err := catalog.UpsertFile(b.db, lib.ID, b.put(t, name), 1, time.Now())
		require.NoError(t, err)
	}
	b.startPool(t)

	b.run(t, IdentifyLibraryArgs{})
	require.Equal(t, 2, count(t, b.db, `SELECT COUNT(*) FROM files WHERE identified`))
	require.Equal(t, 1, b.tasksNamed(t, IdentifyLibraryDone))
	require.Equal(t, 1, b.tasksNamed(t, UpdateTitles))
	require.Equal(t, []string{"0100A1B2C3D40000", "0100B7E4F2A60000"}, b.titleIDs(t))
}

func TestAddMissingAppsAddsKnownUpdatesAndDLC(t *testing.T) {
	b := setup(t, nil)
	// Ember & Ivy has several DLC; only the base game is in the library.
	var ember titledb.Title
	for _, title := range b.sample.Search("Ember") {
		if kind, _, _ := b.sample.AppType(title.ID, 0); kind == titledb.KindBase {
			ember = title
		}
	}
	require.NotEmpty(t, ember.ID)
	b.put(t, pipelinetest.DumpName("Ember & Ivy", ember.ID, 0, ".nsp"))
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)

	var missing []catalog.App
	require.NoError(t, b.db.Where("title_id = ? AND owned = FALSE", ember.ID).Order("app_id, version").Find(&missing).Error)
	dlcs := b.sample.DLCs(ember.ID)
	versions := b.sample.Versions(ember.ID)
	require.Len(t, missing, len(dlcs)+len(versions))
	title, err := catalog.TitleByTitleID(b.db, ember.ID)
	require.NoError(t, err)
	require.True(t, title.HasBase)
	require.Equal(t, len(versions) == 0, title.UpToDate)
	require.False(t, title.Complete, "its DLC are missing")
}

func TestRemoveMissingFilesForgetsDeletedFilesButNotAnUnmountedLibrary(t *testing.T) {
	b := setup(t, nil)
	gone := b.put(t, "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	kept := b.put(t, "Harbor of Echoes [0100B7E4F2A60000][v0].xci")
	b.startPool(t)
	b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	require.NoError(t, os.Remove(gone))

	b.run(t, RemoveMissingFilesArgs{LibraryPath: b.lib})
	_, err := catalog.FileByPath(b.db, gone)
	require.ErrorIs(t, err, catalog.ErrNotFound)
	b.file(t, kept)
	require.Equal(t, []string{"0100B7E4F2A60000"}, b.titleIDs(t), "update_titles dropped the title nothing owns")

	// An empty library folder looks like a disk that is not mounted.
	require.NoError(t, os.Remove(kept))
	b.run(t, RemoveMissingFilesArgs{LibraryPath: b.lib})
	b.file(t, kept)
}

func TestOrganizeFileIsIdempotentAndSurvivesAnInterruptedMove(t *testing.T) {
	b := setup(t, nil)
	src := b.put(t, "Switch/Lumen Drift [0100A1B2C3D40000][v0].nsp")
	b.startPool(t)
	b.run(t, ScanLibraryArgs{LibraryPath: b.lib})
	f := b.file(t, src)
	_, err := b.mgr.Update([]byte(`{"library": {"management": {"organizer": {"enabled": true}}}}`))
	require.NoError(t, err)
	dest := filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40000][v0].nsp")

	// A previous attempt moved the file and died before updating the row.
	require.NoError(t, catalog.AddIgnoredEvent(b.db, src, dest, IgnoreTTL))
	require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
	require.NoError(t, os.Rename(src, dest))
	task := b.run(t, OrganizeFileArgs{FileID: f.ID})
	require.Equal(t, queue.StatusCompleted, task.Status, task.Error)
	require.Equal(t, dest, b.file(t, dest).Path)
	require.Equal(t, f.ID, b.file(t, dest).ID)

	events := count(t, b.db, `SELECT COUNT(*) FROM ignored_events`)
	b.run(t, OrganizeFileArgs{FileID: f.ID})
	require.Equal(t, events, count(t, b.db, `SELECT COUNT(*) FROM ignored_events`), "a file in place is not moved")
	require.FileExists(t, dest)
}

func TestOrganizerRecordsItsMovesForTheWatcherAndAvoidsCollisions(t *testing.T) {
	b := setup(t, organizerOn)
	src := b.put(t, "a/Lumen Drift [0100A1B2C3D40000][v0].nsp")
	dup := b.put(t, "b/Lumen Drift (copy) [0100A1B2C3D40000][v0].nsp")
	unknown := b.put(t, "Mystery [0100FF0000010000][v0].nsp")
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)

	dest := filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	second := filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40000][v0] (2).nsp")
	require.FileExists(t, dest)
	require.FileExists(t, second, "the second copy gets a free name, nothing is overwritten")
	require.NoFileExists(t, src)
	require.NoFileExists(t, dup)
	require.FileExists(t, unknown, "a title the title database does not know stays where it is")
	require.True(t, b.file(t, unknown).Identified)
	for _, p := range []string{dest, second} {
		ignored, err := catalog.ConsumeIgnoredEvent(b.db, p)
		require.NoError(t, err)
		require.True(t, ignored, "the watcher ignores events on %s", p)
	}

	before := count(t, b.db, `SELECT COUNT(*) FROM ignored_events`)
	require.NoError(t, b.startChain())
	b.waitIdle(t)
	require.Equal(t, before, count(t, b.db, `SELECT COUNT(*) FROM ignored_events`), "a second run moves nothing")
	require.FileExists(t, second)
}

func TestRemoveOutdatedUpdatesDeletesOlderUpdateFiles(t *testing.T) {
	b := setup(t, func(s *settings.Settings) { s.Library.Management.DeleteOlderUpdates = true })
	var titleID string
	for _, title := range b.sample.Titles() {
		if len(b.sample.Versions(title.ID)) >= 2 {
			titleID = title.ID
			break
		}
	}
	require.NotEmpty(t, titleID)
	versions := b.sample.Versions(titleID)
	updateID := titleID[:13] + "800"
	b.put(t, pipelinetest.DumpName("Game", titleID, 0, ".nsp"))
	old := b.put(t, pipelinetest.DumpName("Game", updateID, versions[0].Version, ".nsp"))
	newer := b.put(t, pipelinetest.DumpName("Game", updateID, versions[1].Version, ".nsp"))
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)

	require.NoFileExists(t, old)
	_, err := catalog.FileByPath(b.db, old)
	require.ErrorIs(t, err, catalog.ErrNotFound)
	require.FileExists(t, newer)
	ignored, err := catalog.ConsumeIgnoredEvent(b.db, old)
	require.NoError(t, err)
	require.True(t, ignored, "the deletion was announced to the watcher first")
	require.Equal(t, 1, b.tasksNamed(t, RemoveOutdatedUpdates))
}

func TestRemoveLibraryForgetsRowsAndKeepsFiles(t *testing.T) {
	b := setup(t, nil)
	path := b.put(t, "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	b.startPool(t)
	b.run(t, ScanLibraryArgs{LibraryPath: b.lib})

	b.run(t, RemoveLibraryArgs{LibraryPath: b.lib})
	require.FileExists(t, path)
	require.Zero(t, count(t, b.db, `SELECT COUNT(*) FROM files`))
	require.Empty(t, b.titleIDs(t))
}

func TestFileEventsKeepTheCatalogInStep(t *testing.T) {
	b := setup(t, organizerOn)
	b.writeSample(t)
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)
	lumen := filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40000][v0].nsp")

	t.Run("an added file is identified and organized", func(t *testing.T) {
		added := b.put(t, "drop/Lumen [0100A1B2C3D40800][v65536].nsp")
		b.run(t, HandleFileAddedArgs{LibraryPath: b.lib, Filepath: added})
		dest := filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40800][v65536].nsp")
		require.True(t, b.file(t, dest).Identified)
		require.NoFileExists(t, added)
	})

	t.Run("a moved file keeps its row and identity", func(t *testing.T) {
		before := b.file(t, lumen)
		moved := filepath.Join(b.lib, "favourites", "Lumen [0100A1B2C3D40000][v0].nsp")
		require.NoError(t, os.MkdirAll(filepath.Dir(moved), 0o755))
		require.NoError(t, os.Rename(lumen, moved))
		b.run(t, HandleFileMovedArgs{LibraryPath: b.lib, Src: lumen, Dest: moved})
		after := b.file(t, moved)
		require.Equal(t, before.ID, after.ID)
		require.True(t, after.Identified)
		require.Equal(t, before.IdentificationAttempts, after.IdentificationAttempts, "not identified again")
		lumen = moved
	})

	t.Run("a changed file is identified again", func(t *testing.T) {
		before := b.file(t, lumen)
		require.NoError(t, os.WriteFile(lumen, []byte("a different dump"), 0o644))
		b.run(t, HandleFileAddedArgs{LibraryPath: b.lib, Filepath: lumen})
		after, err := catalog.FileByID(b.db, before.ID)
		require.NoError(t, err)
		require.True(t, after.Identified)
		require.Equal(t, 1, after.IdentificationAttempts, "identification started over")
		require.Equal(t, filepath.Join(b.lib, "Lumen Drift", "Lumen Drift [0100A1B2C3D40000][v0].nsp"), after.Path,
			"and the organizer put it back in its place")
	})

	t.Run("a deleted file is forgotten, and its title when nothing else holds it", func(t *testing.T) {
		var harbor []catalog.File
		require.NoError(t, b.db.Where("path LIKE ?", filepath.Join(b.lib, "Harbor of Echoes")+"%").Find(&harbor).Error)
		require.NotEmpty(t, harbor)
		for _, f := range harbor {
			require.NoError(t, os.Remove(f.Path))
			b.enqueue(t, HandleFileDeletedArgs{LibraryPath: b.lib, Filepath: f.Path})
		}
		b.waitIdle(t)
		require.NotContains(t, b.titleIDs(t), "0100B7E4F2A60000")
		var idx LibraryIndex
		data, err := os.ReadFile(LibraryIndexPath(b.data))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &idx))
		for _, title := range idx.Titles {
			require.NotEqual(t, "0100B7E4F2A60000", title.TitleID, "the index no longer lists it")
		}
	})

	t.Run("events on the organizer's own moves are ignored", func(t *testing.T) {
		ghost := filepath.Join(b.lib, "Lumen Drift", "being moved.nsp")
		require.NoError(t, catalog.AddIgnoredEvent(b.db, filepath.Join(b.lib, "x.nsp"), ghost, IgnoreTTL))
		require.NoError(t, os.WriteFile(ghost, []byte("x"), 0o644))
		b.run(t, HandleFileAddedArgs{LibraryPath: b.lib, Filepath: ghost})
		_, err := catalog.FileByPath(b.db, ghost)
		require.ErrorIs(t, err, catalog.ErrNotFound, "the organizer records its own moves")
	})
}

func TestGenerateLibraryIsDebouncedAndKeepsAnUnchangedIndex(t *testing.T) {
	b := setup(t, nil)
	ctx := context.Background()
	start := time.Now()
	for range 20 {
		require.NoError(t, requestIndex(ctx, b.q, 2*time.Second, 3*time.Second))
	}
	require.Equal(t, 1, b.tasksNamed(t, GenerateLibrary), "a burst queues one generation")
	pending, _, err := b.q.List(ctx, queue.Filter{Name: GenerateLibrary})
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(2*time.Second), pending[0].RunAfter, time.Second,
		"due a delay after the last request")
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, requestIndex(ctx, b.q, 2*time.Second, 3*time.Second))
	pending, _, err = b.q.List(ctx, queue.Filter{Name: GenerateLibrary})
	require.NoError(t, err)
	require.WithinDuration(t, start.Add(3*time.Second), pending[0].RunAfter, 500*time.Millisecond,
		"but never later than the longest wait after the first")

	b.startPool(t)
	b.waitIdle(t)
	first, err := os.ReadFile(LibraryIndexPath(b.data))
	require.NoError(t, err)
	task := b.run(t, GenerateLibraryArgs{})
	require.JSONEq(t, `{"hash": "`+hashOf(t, first)+`", "written": false}`, string(task.Result))
	second, err := os.ReadFile(LibraryIndexPath(b.data))
	require.NoError(t, err)
	require.Equal(t, first, second, "an unchanged index is left alone")
}

func hashOf(t *testing.T, index []byte) string {
	var idx LibraryIndex
	require.NoError(t, json.Unmarshal(index, &idx))
	return idx.Hash
}

func TestStartupStartsOneChainForManyReplicas(t *testing.T) {
	b := setup(t, nil)
	ctx := context.Background()
	for range 3 {
		require.NoError(t, Startup(ctx, b.q, b.mgr.Current()))
	}
	require.Equal(t, 1, b.tasksNamed(t, UpdateTitleDB))
	libs, err := catalog.Libraries(b.db)
	require.NoError(t, err)
	require.Len(t, libs, 1, "libraries are in the catalog at once")

	b.startPool(t)
	b.waitIdle(t)
	require.NoError(t, Startup(ctx, b.q, b.mgr.Current()))
	require.Equal(t, 1, b.tasksNamed(t, UpdateTitleDB), "a replica starting just after a chain does not start another")
}

func TestIndexFlagsContradictingNamesShowsReleaseDatesAndNamesCustomTitles(t *testing.T) {
	b := setup(t, nil)
	_, err := titledb.AddCustom(b.db, titledb.CustomTitle{TitleID: "05000FD261232000", Name: "Hocoslamfy"})
	require.NoError(t, err)
	b.put(t, "Lumen Drift [0100A1B2C3D40000][UPD v65536].nsp")
	b.put(t, "Lumen Drift [0100A1B2C3D40800][v65536].nsp")
	b.put(t, "hocoslamfy [05000FD261232000][v0].nsp")
	b.startPool(t)
	b.enqueue(t, ScanLibraryArgs{LibraryPath: b.lib})
	b.waitIdle(t)
	b.run(t, GenerateLibraryArgs{})

	var idx LibraryIndex
	data, err := os.ReadFile(LibraryIndexPath(b.data))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &idx))
	byID := map[string]IndexTitle{}
	for _, it := range idx.Titles {
		byID[it.TitleID] = it
	}
	lumen := byID["0100A1B2C3D40000"]
	// The placeholder files are no containers, so each has the content's
	// note; the [UPD] name around the base id has the tag's too.
	notes := map[string]string{}
	for _, n := range lumen.Notes {
		notes[filepath.Base(n.Path)] = n.Note
	}
	require.Contains(t, notes["Lumen Drift [0100A1B2C3D40000][UPD v65536].nsp"],
		"the file name says an update but 0100A1B2C3D40000 is a base game")
	require.NotContains(t, notes["Lumen Drift [0100A1B2C3D40800][v65536].nsp"], "the file name says")
	require.Equal(t, "2021-03-18", lumen.ReleaseDate)
	dates := map[int]string{}
	for _, u := range lumen.Updates {
		dates[u.Version] = u.ReleaseDate
	}
	require.Equal(t, "2021-04-02", dates[65536], "update dates come from versions.json")
	require.Equal(t, "Hocoslamfy", byID["05000FD261232000"].Name, "the custom entry names the homebrew")
}
