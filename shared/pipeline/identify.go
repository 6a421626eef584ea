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

// identifyOne works out which apps one file holds: from its content with
// the user's keys, then its tickets, then its name (identify.
// ContentIdentifier), with the title database answering what it knows.
// Every task that identifies a file (identify_file, identify_files,
// add_files and the watcher's events) comes through here.
func (t *tasks) identifyOne(ctx context.Context, tdb *titledb.DB, file catalog.File) (identify.Result, error) {
	return identify.ContentIdentifier{Keys: t.Keys.Current}.Identify(ctx, file.Path, tdb)
}

// identifyAll identifies files with identifyOne and returns what the catalog
// is to record for each, in order (FileID as in files). A file's own error
// becomes its recorded reason; only the context's ends the batch. Progress
// is counted per file.
func (t *tasks) identifyAll(ctx context.Context, job *queue.Job, files []catalog.File) ([]catalog.Identification, error) {
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return nil, err
	}
	defer release()
	out := make([]catalog.Identification, len(files))
	for i, f := range files {
		res, err := t.identifyOne(ctx, tdb, f)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out[i] = catalog.Identification{FileID: f.ID, Method: res.Method, Note: res.Note}
		if err != nil {
			out[i].Error = err.Error()
		} else {
			if res.Note != "" {
				job.Log.Info("file identified with a note", "path", f.Path, "method", res.Method, "note", res.Note)
			}
			for _, app := range res.Apps {
				out[i].Apps = append(out[i].Apps, catalog.AppRef(app))
			}
		}
		if err := job.Progress(ctx, float64(100*(i+1))/float64(len(files))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// identifyFile identifies one catalog file on its own (the api, a retry by
// hand) and enqueues its follow-ups. A file that cannot be identified is
// recorded with the reason and the task fails permanently: retrying the same
// file gives the same answer (new keys make such files due again, see
// catalog.MarkForReidentification).
func (t *tasks) identifyFile(ctx context.Context, job *queue.Job, a IdentifyFileArgs) error {
	file, err := catalog.FileByID(t.db(ctx), a.FileID)
	if errors.Is(err, catalog.ErrNotFound) {
		job.Log.Info("file forgotten before identification", "file_id", a.FileID)
		return nil
	}
	if err != nil {
		return err
	}
	var apps []catalog.AppRef
	if file.Identified {
		// Identified by an earlier delivery of this task: only the follow-ups
		// may be missing.
		held, err := catalog.AppsOfFile(t.db(ctx), file.ID)
		if err != nil {
			return err
		}
		for _, a := range held {
			apps = append(apps, catalog.AppRef{AppID: a.AppID, TitleID: a.TitleID, Type: a.Type, Version: a.Version})
		}
	} else {
		ids, err := t.identifyAll(ctx, job, []catalog.File{file})
		if err != nil {
			return err
		}
		if _, err := catalog.RecordIdentifications(t.db(ctx), ids); err != nil {
			return err
		}
		if ids[0].Error != "" {
			job.Log.Info("file not identifiable", "path", file.Path, "reason", ids[0].Error)
			return queue.Permanent(errors.New(ids[0].Error))
		}
		apps = ids[0].Apps
		job.Log.Debug("file identified", "path", file.Path, "apps", len(apps), "app_id", apps[0].AppID, "method", ids[0].Method)
	}
	if inFanOut(job) {
		return nil
	}
	return t.followUp(ctx, job, file.ID, apps)
}

// followUp enqueues what a file identified outside a chain needs next: the
// missing apps (then the titles) of each title it holds, and its move when
// the organizer is on. Inside a chain, the chain's later steps do these for
// every file at once.
func (t *tasks) followUp(ctx context.Context, job *queue.Job, fileID int64, apps []catalog.AppRef) error {
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
		return enqueue(ctx, job, OrganizeFileArgs{FileID: fileID})
	}
	return nil
}

// identifyFiles identifies a batch of catalog files (those not identified
// yet; the others are skipped) and records them in one transaction; a file
// that cannot be identified is recorded with its reason and does not fail
// the batch.
func (t *tasks) identifyFiles(ctx context.Context, job *queue.Job, a IdentifyFilesArgs) error {
	files, err := catalog.FilesByIDs(t.db(ctx), a.FileIDs)
	if err != nil {
		return err
	}
	files = slices.DeleteFunc(files, func(f catalog.File) bool { return f.Identified })
	res := BatchResult{Files: len(a.FileIDs)}
	if len(files) > 0 {
		ids, err := t.identifyAll(ctx, job, files)
		if err != nil {
			return err
		}
		if _, err := catalog.RecordIdentifications(t.db(ctx), ids); err != nil {
			return err
		}
		res.count(ids)
	}
	res.Skipped = res.Files - res.Identified - res.Unidentified
	return job.SetResult(res)
}

// identifyLibrary identifies the files not identified yet (of one library,
// or of all), skipping those that failed maxIdentifyAttempts times, in
// identify_files children of fileBatch files.
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
	ids := make([]int64, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	if err := spawnFileBatches(ctx, job, ids, func(part []int64) queue.Args { return IdentifyFilesArgs{FileIDs: part} }); err != nil {
		return err
	}
	job.Log.Info("identifying files", "files", len(files))
	return job.SetResult(FilesResult{Files: len(files)})
}

// spawnFileBatches spawns one child per fileBatch ids, spawnBatch children
// per transaction.
func spawnFileBatches(ctx context.Context, job *queue.Job, ids []int64, args func([]int64) queue.Args) error {
	var children []queue.Params
	for start := 0; start < len(ids); start += fileBatch {
		children = append(children, queue.NewParams(args(slices.Clone(ids[start:min(start+fileBatch, len(ids))]))))
	}
	for start := 0; start < len(children); start += spawnBatch {
		if err := job.Spawn(ctx, children[start:min(start+spawnBatch, len(children))]...); err != nil {
			return err
		}
	}
	return nil
}

// identifyLibraryDone goes on once identify_library's files are done: the
// missing apps of their titles, then update_titles and the rest.
func (t *tasks) identifyLibraryDone(ctx context.Context, job *queue.Job, c queue.Continued[IdentifyLibraryArgs]) error {
	job.Log.Info("identification finished", "files", c.Children.Total, "unidentified", c.Children.Failed)
	return follow(ctx, job, AddMissingAppsArgs{})
}

// addMissingApps adds not-owned rows for the updates and DLC the title
// database knows of every owned title, in one batch. In a chain
// (library_path set) it goes on with remove_missing_files for that library,
// otherwise with update_titles.
func (t *tasks) addMissingApps(ctx context.Context, job *queue.Job, a AddMissingAppsArgs) error {
	titleIDs, err := catalog.OwnedTitleIDs(t.db(ctx))
	if err != nil {
		return err
	}
	added, err := t.ensureMissingApps(ctx, job, titleIDs)
	if err != nil {
		return err
	}
	job.Log.Info("missing apps added", "titles", len(titleIDs), "added", added)
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
	if _, err := t.ensureMissingApps(ctx, job, []string{a.TitleID}); err != nil {
		return err
	}
	return follow(ctx, job, UpdateTitlesForTitleArgs(a))
}

// ensureMissingApps records what the title database knows of the titles:
// every released update version and each DLC at its latest version, a page
// of titles at a time. Titles it does not know are left as they are.
func (t *tasks) ensureMissingApps(ctx context.Context, job *queue.Job, titleIDs []string) (int, error) {
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return 0, err
	}
	defer release()
	added := 0
	known := make([]catalog.KnownApps, 0, min(len(titleIDs), titlePage))
	err = t.byTitlePage(ctx, titleIDs, func(tx *gorm.DB, page []string) error {
		known = known[:0]
		for _, id := range page {
			if _, ok := tdb.Title(id); !ok {
				if _, ok := tdb.LatestVersion(id); !ok && len(tdb.DLCs(id)) == 0 {
					continue
				}
			}
			k := catalog.KnownApps{TitleID: id, DLCLatest: dlcLatest(tdb, id)}
			for _, v := range tdb.Versions(id) {
				k.UpdateVersions = append(k.UpdateVersions, v.Version)
			}
			known = append(known, k)
		}
		n, err := catalog.AddMissingApps(tx, known)
		added += n
		return err
	})
	return added, err
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
