package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/titledb"
)

// maxIdentifyAttempts is how many failed identifications identify_library
// retries a file for; after that only a change of the file (or an explicit
// identify_file) tries again.
const maxIdentifyAttempts = 3

// identifyFile works out which apps a file holds: from its content with
// the user's keys, then its tickets, then its name (identify.
// ContentIdentifier), with the title database answering what it knows. A
// file that cannot be identified is recorded with the reason and the task
// fails permanently: retrying the same file gives the same answer (new keys
// make such files due again, see catalog.MarkForReidentification).
func (t *tasks) identifyFile(ctx context.Context, job *queue.Job, a IdentifyFileArgs) error {
	file, err := catalog.FileByID(t.db(ctx), a.FileID)
	if errors.Is(err, catalog.ErrNotFound) {
		job.Log.Info("file forgotten before identification", "file_id", a.FileID)
		return nil
	}
	if err != nil {
		return err
	}
	// Identified by an earlier delivery of this task: only the follow-ups
	// may be missing.
	if !file.Identified {
		tdb, release, err := t.titles(ctx, job)
		if err != nil {
			return err
		}
		res, err := identify.ContentIdentifier{Keys: t.Keys.Current}.Identify(ctx, file.Path, tdb)
		release()
		var unidentifiable *identify.UnidentifiableError
		if errors.As(err, &unidentifiable) {
			if err := catalog.RecordIdentificationFailure(t.db(ctx), file.ID, err.Error()); err != nil {
				return err
			}
			job.Log.Info("file not identifiable", "path", file.Path, "reason", err.Error())
			return queue.Permanent(err)
		}
		if err != nil {
			return fmt.Errorf("identifying %s: %w", file.Path, err)
		}
		refs := make([]catalog.AppRef, len(res.Apps))
		for i, app := range res.Apps {
			refs[i] = catalog.AppRef(app)
		}
		if err := catalog.RecordIdentification(t.db(ctx), file.ID, refs, res.Method, res.Note); err != nil {
			return err
		}
		job.Log.Debug("file identified", "path", file.Path, "apps", len(refs), "app_id", refs[0].AppID, "method", res.Method)
		if res.Note != "" {
			job.Log.Info("file identified with a note", "path", file.Path, "method", res.Method, "note", res.Note)
		}
	}
	if inFanOut(job) {
		return nil
	}
	apps, err := catalog.AppsOfFile(t.db(ctx), file.ID)
	if err != nil {
		return err
	}
	var titleIDs []string
	for _, app := range apps {
		if !slices.Contains(titleIDs, app.TitleID) {
			titleIDs = append(titleIDs, app.TitleID)
			if err := enqueue(ctx, job, AddMissingAppsForTitleArgs{TitleID: app.TitleID}); err != nil {
				return err
			}
		}
	}
	if t.settings().Library.Management.Organizer.Enabled {
		return enqueue(ctx, job, OrganizeFileArgs{FileID: file.ID})
	}
	return nil
}

// identifyLibrary identifies the files not identified yet (of one library,
// or of all), skipping those that failed maxIdentifyAttempts times.
func (t *tasks) identifyLibrary(ctx context.Context, job *queue.Job, a IdentifyLibraryArgs) error {
	var libraryID int64
	if a.LibraryPath != "" {
		lib, err := t.library(ctx, a.LibraryPath)
		if err != nil {
			return err
		}
		libraryID = lib.ID
	}
	files, err := catalog.UnidentifiedFiles(t.db(ctx), libraryID, maxIdentifyAttempts)
	if err != nil {
		return err
	}
	for start := 0; start < len(files); start += spawnBatch {
		part := files[start:min(start+spawnBatch, len(files))]
		children := make([]queue.Params, len(part))
		for i, f := range part {
			children[i] = queue.NewParams(IdentifyFileArgs{FileID: f.ID})
		}
		if err := job.Spawn(ctx, children...); err != nil {
			return err
		}
	}
	job.Log.Info("identifying files", "files", len(files))
	return job.SetResult(FilesResult{Files: len(files)})
}

// identifyLibraryDone goes on once identify_library's files are done: the
// missing apps of their titles, then update_titles and the rest.
func (t *tasks) identifyLibraryDone(ctx context.Context, job *queue.Job, c queue.Continued[IdentifyLibraryArgs]) error {
	job.Log.Info("identification finished", "files", c.Children.Total, "unidentified", c.Children.Failed)
	return follow(ctx, job, AddMissingAppsArgs{})
}

// titleBatch bounds the titles written per transaction.
const titleBatch = 200

// inTitleBatches calls fn for each title id, titleBatch titles per
// transaction: one per title would cost a commit each, one for all would
// hold the write lock for the whole library.
func inTitleBatches(db *gorm.DB, titleIDs []string, fn func(tx *gorm.DB, titleID string) error) error {
	for start := 0; start < len(titleIDs); start += titleBatch {
		part := titleIDs[start:min(start+titleBatch, len(titleIDs))]
		if err := db.Transaction(func(tx *gorm.DB) error {
			for _, id := range part {
				if err := fn(tx, id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// addMissingApps adds not-owned rows for the updates and DLC the title
// database knows of every owned title. In a chain (library_path set) it
// goes on with remove_missing_files for that library, otherwise with
// update_titles.
func (t *tasks) addMissingApps(ctx context.Context, job *queue.Job, a AddMissingAppsArgs) error {
	titleIDs, err := catalog.OwnedTitleIDs(t.db(ctx))
	if err != nil {
		return err
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return err
	}
	defer release()
	if err := inTitleBatches(t.db(ctx), titleIDs, func(tx *gorm.DB, id string) error {
		return ensureMissingApps(tx, tdb, id)
	}); err != nil {
		return err
	}
	job.Log.Info("missing apps added", "titles", len(titleIDs))
	if a.LibraryPath != "" {
		return follow(ctx, job, RemoveMissingFilesArgs(a))
	}
	return follow(ctx, job, UpdateTitlesArgs{})
}

// addMissingAppsForTitle is addMissingApps for one title; it goes on with
// update_titles_for_title.
func (t *tasks) addMissingAppsForTitle(ctx context.Context, job *queue.Job, a AddMissingAppsForTitleArgs) error {
	if !identify.IsAppID(a.TitleID) {
		return queue.Permanent(fmt.Errorf("title_id %q is not 16 upper-case hex digits", a.TitleID))
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return err
	}
	defer release()
	if err := ensureMissingApps(t.db(ctx), tdb, a.TitleID); err != nil {
		return err
	}
	return follow(ctx, job, UpdateTitlesForTitleArgs(a))
}

// ensureMissingApps records what the title database knows of a title: every
// released update version and each DLC at its latest version. Titles it does
// not know are left as they are.
func ensureMissingApps(tx *gorm.DB, tdb *titledb.DB, titleID string) error {
	if _, known := tdb.Title(titleID); !known {
		if _, ok := tdb.LatestVersion(titleID); !ok && len(tdb.DLCs(titleID)) == 0 {
			return nil
		}
	}
	var versions []int
	for _, v := range tdb.Versions(titleID) {
		versions = append(versions, v.Version)
	}
	return catalog.EnsureMissingApps(tx, titleID, versions, dlcLatest(tdb, titleID))
}

// dlcLatest maps each DLC of a title to its latest version.
func dlcLatest(tdb *titledb.DB, titleID string) map[string]int {
	out := map[string]int{}
	for _, id := range tdb.DLCs(titleID) {
		latest := 0
		if vs := tdb.DLCVersions(id); len(vs) > 0 {
			latest = vs[len(vs)-1]
		}
		out[id] = latest
	}
	return out
}
