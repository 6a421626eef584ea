package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/testprocess"
)

// chainSteps are the tasks of one full chain over one library, each of
// which must run exactly once.
var chainSteps = []string{UpdateTitleDB, ScanLibrary, ScanLibraryDone, AddMissingApps, RemoveMissingFiles,
	UpdateTitles, OrganizeLibrary, OrganizeLibraryDone, RemoveOutdatedUpdates, GenerateLibrary}

func organizerOn(s *settings.Settings) {
	s.Library.Management.Organizer.Enabled = true
	s.Library.Management.Organizer.RemoveEmptyFolders = true
}

func TestTheChainRunsOnceAndOrganizesTheSampleLibrary(t *testing.T) {
	b := setup(t, organizerOn)
	files := b.writeSample(t)

	require.NoError(t, b.startChain())
	require.NoError(t, b.startChain(), "a second request merges with the pending one")
	// Started after both requests: a worker that has already claimed the first (PostgreSQL's
	// NOTIFY wakes one within a millisecond) rightly queues the second as a follow-up.
	b.startPool(t)
	b.waitIdle(t)

	for _, step := range chainSteps {
		require.Equal(t, 1, b.tasksNamed(t, step), "%s ran once", step)
	}
	require.Zero(t, count(t, b.db, `SELECT COUNT(*) FROM tasks WHERE status = 'failed'`),
		"an unidentifiable file is a catalog row with its reason, not a failed batch")
	assertOrganized(t, b, files)
}

func TestTwoWorkerProcessesRunTheChainOnce(t *testing.T) {
	b := setup(t, organizerOn)
	files := b.writeSample(t)
	procs := []*testprocess.Process{startWorker(t, b), startWorker(t, b)}

	require.NoError(t, b.startChain())
	b.waitIdle(t)
	for _, p := range procs {
		p.Stop(t)
	}
	for _, step := range chainSteps {
		require.Equal(t, 1, b.tasksNamed(t, step), "%s ran once", step)
	}
	assertOrganized(t, b, files)
}

// assertOrganized checks the outcome of a full chain over the sample library.
func assertOrganized(t *testing.T, b *bundle, files []pipelinetest.File) {
	t.Helper()
	games := 0
	moved := 0
	for _, f := range files {
		original := filepath.Join(b.lib, filepath.FromSlash(f.Path))
		switch {
		case !organize.IsGameFile(f.Path):
			require.FileExists(t, original, "files that are not games stay")
			_, err := catalog.FileByPath(b.db, original)
			require.ErrorIs(t, err, catalog.ErrNotFound, "and are not recorded")
		case strings.Contains(strings.Join(pipelinetest.Unidentifiable, "|"), f.Path):
			games++
			row := b.file(t, original)
			require.False(t, row.Identified)
			require.Contains(t, row.IdentificationError, "unidentifiable")
		default:
			games++
			want := b.expectedPath(t, f.Path)
			data, err := os.ReadFile(want)
			require.NoError(t, err, "%s organized to %s", f.Path, want)
			require.Equal(t, f.Content, data)
			row := b.file(t, want)
			require.True(t, row.Identified, want)
			if want != original {
				moved++
				require.NoFileExists(t, original)
			}
		}
	}
	require.Equal(t, games, count(t, b.db, `SELECT COUNT(*) FROM files`))
	require.GreaterOrEqual(t, count(t, b.db, `SELECT COUNT(*) FROM ignored_events`), moved,
		"each organizer move was announced to the watcher")
	require.NoDirExists(t, filepath.Join(b.lib, "DLC"), "emptied folders are removed")

	var idx LibraryIndex
	data, err := os.ReadFile(LibraryIndexPath(b.data))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &idx))
	require.Len(t, idx.Hash, 64)
	require.Len(t, idx.Unidentified, len(pipelinetest.Unidentifiable))
	bases := 0
	for _, title := range b.sample.Titles() {
		if kind, _, _ := b.sample.AppType(title.ID, 0); kind == "base" {
			bases++
		}
	}
	require.Len(t, idx.Titles, bases)
	for _, title := range idx.Titles {
		require.NotEmpty(t, title.Name)
		require.True(t, title.HasBase, title.Name)
		require.True(t, title.UpToDate, "the sample library holds the latest update of %s", title.Name)
		require.True(t, title.Complete, "and every DLC of %s", title.Name)
	}
}

// startWorker runs this test binary as a worker process on b's database and data folder.
func startWorker(t *testing.T, b *bundle, env ...string) *testprocess.Process {
	t.Helper()
	return testprocess.Start(t, "worker", append([]string{"SHELF_TEST_DB=" + b.dsn, "SHELF_TEST_DATA=" + b.data,
		"SHELF_TEST_SLOTS=4"}, env...)...)
}

// serveTitleDB serves titledb files by name, with Last-Modified, so that
// update_titledb's requests can be conditional.
func serveTitleDB(t *testing.T, files map[string][]byte) (*httptest.Server, *requestLog) {
	t.Helper()
	log := &requestLog{}
	modified := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		data, ok := files[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, path.Base(r.URL.Path), modified, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

func TestKilledWorkerDuringOrganizeLosesNoFile(t *testing.T) {
	files, tdbFiles := pipelinetest.Synthetic(1500, 7)
	srv, _ := serveTitleDB(t, tdbFiles)
	b := setup(t, func(s *settings.Settings) {
		organizerOn(s)
		s.TitleDB.URL = srv.URL
	})
	require.NoError(t, pipelinetest.Write(b.lib, files))
	before := contents(t, b.lib)
	lease := "SHELF_TEST_LEASE=2s"
	// Moves are slowed down between the rename and the row's update, the
	// window a crash must survive, so the kill lands inside it.
	victim := startWorker(t, b, lease, "SHELF_TEST_SLOW_MOVE=50ms")
	survivor := startWorker(t, b, lease, "SHELF_TEST_SLOW_MOVE=5ms")

	require.NoError(t, b.startChain())
	eventually.Holds(t, patience, "the victim to be organizing", func() bool {
		return count(t, b.db, `SELECT COUNT(*) FROM ignored_events`) >= 20 &&
			count(t, b.db, `SELECT COUNT(*) FROM tasks WHERE name = ? AND status = 'running' AND worker LIKE ?`,
				OrganizeFiles, fmt.Sprintf("%%-%d-%%", victim.Pid())) > 0
	})
	victim.Kill(t) // SIGKILL: no chance to clean up
	b.waitIdle(t)
	survivor.Stop(t)

	after := contents(t, b.lib)
	require.Equal(t, len(before), len(after), "as many files as before")
	for content := range before {
		path, ok := after[content]
		require.True(t, ok, "the file once at %s still exists", before[content])
		require.False(t, organize.IsPartial(filepath.Base(path)), "no partial copy under a final name: %s", path)
		row := b.file(t, path)
		require.True(t, row.Identified, path)
		rel, err := filepath.Rel(b.lib, path)
		require.NoError(t, err)
		require.False(t, strings.HasPrefix(rel, "bulk"+string(filepath.Separator)) || strings.HasPrefix(rel, "updates"+string(filepath.Separator)),
			"%s was organized", rel)
	}
	require.Equal(t, len(before), count(t, b.db, `SELECT COUNT(*) FROM files`), "one row per file")
	require.Positive(t, count(t, b.db, `SELECT COUNT(*) FROM tasks WHERE name = ? AND attempts > 1`, OrganizeFiles),
		"the killed worker's moves were taken over")
	require.Equal(t, 1, b.tasksNamed(t, OrganizeLibraryDone))
	require.Equal(t, 1, b.tasksNamed(t, GenerateLibrary))
}

// stepsRun counts the tasks of each of the chain's steps, in any status.
func (b *bundle) stepsRun(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, step := range chainSteps {
		out[step] = b.tasksNamed(t, step)
	}
	return out
}

func TestAnUnchangedRescanSkipsTheStepsThatHaveNothingToDo(t *testing.T) {
	for _, organizer := range []bool{false, true} {
		t.Run(fmt.Sprintf("organizer %v", organizer), func(t *testing.T) {
			b := setup(t, func(s *settings.Settings) {
				if organizer {
					organizerOn(s)
				}
			})
			b.writeSample(t)
			b.startPool(t)
			require.NoError(t, b.startChain())
			b.waitIdle(t)
			first := b.stepsRun(t)
			index, err := os.ReadFile(LibraryIndexPath(b.data))
			require.NoError(t, err)

			// A folder left empty (as by a move whose chain was cut short before
			// organize_library_done's walk).
			emptied := filepath.Join(b.lib, "emptied")
			require.NoError(t, os.MkdirAll(emptied, 0o755))
			require.NoError(t, b.startChain())
			b.waitIdle(t)
			second := b.stepsRun(t)
			for _, step := range []string{UpdateTitleDB, ScanLibrary, ScanLibraryDone} {
				require.Equal(t, first[step]+1, second[step], "%s runs again", step)
			}
			for _, step := range []string{AddMissingApps, RemoveMissingFiles, UpdateTitles} {
				require.Equal(t, first[step], second[step], "%s has nothing to do and is skipped", step)
			}
			if organizer {
				// Templates may have changed: the organizer still looks.
				require.Equal(t, first[OrganizeLibrary]+1, second[OrganizeLibrary])
			}
			require.Equal(t, first[GenerateLibrary], second[GenerateLibrary], "the index would be the same")
			again, err := os.ReadFile(LibraryIndexPath(b.data))
			require.NoError(t, err)
			require.Equal(t, string(index), string(again))

			if organizer {
				// Nothing moved, so no folder was looked at for being empty.
				require.DirExists(t, emptied)
				// The templates changed: the unchanged library's files move, and the
				// index, which shows their paths, is written again.
				_, err := b.mgr.Update([]byte(`{"library":{"management":{"organizer":{"templates":` +
					`{"base":"moved/{titleName} [{appId}][v{appVersion}]"}}}}}`))
				require.NoError(t, err)
				require.NoError(t, b.startChain())
				b.waitIdle(t)
				moved := b.stepsRun(t)
				require.Equal(t, second[GenerateLibrary]+1, moved[GenerateLibrary], "moves change the index")
				after, err := os.ReadFile(LibraryIndexPath(b.data))
				require.NoError(t, err)
				require.Contains(t, string(after), "/moved/")
				require.NoDirExists(t, emptied, "moves remove the empty folders again")
				second = moved
			}

			// A file gone: the chain runs in full and forgets it.
			var gone catalog.File
			require.NoError(t, b.db.Where("identified").Order("id").First(&gone).Error)
			require.NoError(t, os.Remove(gone.Path))
			require.NoError(t, b.startChain())
			b.waitIdle(t)
			third := b.stepsRun(t)
			for _, step := range []string{AddMissingApps, RemoveMissingFiles, UpdateTitles, GenerateLibrary} {
				require.Equal(t, second[step]+1, third[step], "%s runs after a change", step)
			}
			_, err = catalog.FileByID(b.db, gone.ID)
			require.ErrorIs(t, err, catalog.ErrNotFound)
		})
	}
}

func TestARescanAfterAFailedStepRunsTheChainInFull(t *testing.T) {
	b := setup(t, nil)
	b.writeSample(t)
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)
	// The last update_titles failed (cut short): the next chain must not take
	// the library for up to date.
	require.NoError(t, b.db.Exec(`UPDATE tasks SET status = 'failed' WHERE name = ?`, UpdateTitles).Error)
	before := b.stepsRun(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)
	after := b.stepsRun(t)
	for _, step := range []string{AddMissingApps, RemoveMissingFiles, UpdateTitles, GenerateLibrary} {
		require.Equal(t, before[step]+1, after[step], "%s runs again", step)
	}
}

func TestARescanAfterAFailedEmptyFolderWalkRunsTheChainInFull(t *testing.T) {
	b := setup(t, organizerOn)
	b.writeSample(t)
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)
	// The last organize_library_done failed: folders its moves emptied may be left.
	require.NoError(t, b.db.Exec(`UPDATE tasks SET status = 'failed' WHERE name = ?`, OrganizeLibraryDone).Error)
	emptied := filepath.Join(b.lib, "emptied")
	require.NoError(t, os.MkdirAll(emptied, 0o755))
	before := b.stepsRun(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)
	after := b.stepsRun(t)
	for _, step := range []string{AddMissingApps, UpdateTitles, OrganizeLibraryDone, GenerateLibrary} {
		require.Equal(t, before[step]+1, after[step], "%s runs again", step)
	}
	require.NoDirExists(t, emptied)
}
