package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/titledb"
)

// afterMove, when set (by tests), runs between a file's move on disk and its
// row's update: the window a crash must survive.
var afterMove func(src, dest string)

// destination is where the organizer puts a file holding apps: the template
// for its kind of content, filled from the title database and rendered
// inside root. ok is false for a title the title database does not name,
// which is left where it is.
func destination(s settings.Settings, tdb *titledb.DB, root string, file catalog.File, apps []catalog.App) (dest string, ok bool, err error) {
	if len(apps) == 0 {
		return "", false, nil
	}
	// The base game names a multi-content file; then updates, then DLC.
	apps = slices.Clone(apps)
	rank := map[string]int{identify.TypeBase: 0, identify.TypeUpdate: 1, identify.TypeDLC: 2}
	slices.SortStableFunc(apps, func(a, b catalog.App) int { return rank[a.Type] - rank[b.Type] })
	app := apps[0]
	title, known := tdb.Title(app.TitleID)
	if !known || strings.TrimSpace(title.Name) == "" {
		return "", false, nil
	}
	org := s.Library.Management.Organizer
	tmpl := org.Templates.Base
	switch {
	case len(apps) > 1:
		tmpl = org.Templates.Multi
	case app.Type == identify.TypeUpdate:
		tmpl = org.Templates.Update
	case app.Type == identify.TypeDLC:
		tmpl = org.Templates.DLC
	}
	appName := title.Name
	if app.Type == identify.TypeDLC {
		if dlc, ok := tdb.Title(app.AppID); ok && dlc.Name != "" {
			appName = dlc.Name
		}
	}
	v := organize.Values{TitleName: title.Name, TitleID: app.TitleID, AppID: app.AppID, AppVersion: app.Version,
		AppName: appName, PatchLevel: identify.PatchNumber(app.Version), Extension: file.Extension}
	dest, err = organize.Destination(root, tmpl, v, file.Extension, org.WindowsCompatible)
	if err != nil {
		return "", false, queue.Permanent(fmt.Errorf("organizer template %q: %w", tmpl, err))
	}
	return dest, true, nil
}

// organizeFile moves one identified file to its template path (a file
// identified outside a chain); see organizeFiles.
func (t *tasks) organizeFile(ctx context.Context, job *queue.Job, a OrganizeFileArgs) error {
	_, err := t.organize(ctx, job, []int64{a.FileID})
	return err
}

// organizeFiles moves a batch of identified files to their template paths
// and records where they went in one transaction.
func (t *tasks) organizeFiles(ctx context.Context, job *queue.Job, a OrganizeFilesArgs) error {
	res, err := t.organize(ctx, job, a.FileIDs)
	if err != nil {
		return err
	}
	return job.SetResult(res)
}

// organize moves the identified files among fileIDs that are not where their
// template puts them. It is idempotent: a file already there stays; a file a
// previous attempt moved before dying is found through the journal and gets
// its row updated. Files unknown to the title database stay where they are.
// A file that cannot be moved does not stop the others; its error fails the
// task once the others' moves are recorded, so that the batch is retried.
func (t *tasks) organize(ctx context.Context, job *queue.Job, fileIDs []int64) (BatchResult, error) {
	res := BatchResult{Files: len(fileIDs)}
	s := t.settings()
	if !s.Library.Management.Organizer.Enabled {
		job.Log.Info("organizer disabled; files left where they are", "files", len(fileIDs))
		res.Skipped = res.Files
		return res, nil
	}
	db := t.db(ctx)
	files, err := catalog.FilesByIDs(db, fileIDs)
	if err != nil {
		return res, err
	}
	apps, err := catalog.AppsOfFiles(db, fileIDs)
	if err != nil {
		return res, err
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return res, err
	}
	defer release()
	libs := map[int64]catalog.Library{}
	var items []organize.Item
	var placing []catalog.File
	for i, file := range files {
		if err := job.Progress(ctx, float64(50*i)/float64(len(files))); err != nil {
			return res, err
		}
		lib, ok := libs[file.LibraryID]
		if !ok {
			if lib, err = catalog.LibraryByID(db, file.LibraryID); err != nil {
				return res, err
			}
			libs[file.LibraryID] = lib
		}
		if !file.Identified {
			job.Log.Info("file not identified; left where it is", "path", file.Path)
			continue
		}
		dest, ok, err := destination(s, tdb, lib.Path, file, apps[file.ID])
		if err != nil {
			return res, err
		}
		if !ok {
			job.Log.Info("title unknown to the title database; file left where it is", "path", file.Path)
			continue
		}
		items = append(items, organize.Item{File: organize.File{Path: file.Path, Size: file.Size, Mtime: file.ModTime()}, Dest: dest})
		placing = append(placing, file)
	}
	// organize.PlaceAll journals the batch's moves in one write before
	// making any of them, so that the watcher, in whatever process, does not
	// take them for a user's changes, and so that a retry after a crash
	// (before the rows are updated) finds or finishes them.
	results := organize.PlaceAll(catalog.MoveJournal{DB: db, TTL: IgnoreTTL}, items)
	if err := job.Progress(ctx, 90); err != nil {
		return res, err
	}
	var moves []catalog.Move
	var failed []error
	for i, r := range results {
		file := placing[i]
		if path, err := placed(job, file, r); err != nil {
			job.Log.Warn("file not organized", "path", file.Path, "err", err)
			failed = append(failed, err)
		} else if path != "" {
			moves = append(moves, catalog.Move{FileID: file.ID, Path: path})
		}
	}
	if err := catalog.RecordMoves(db, moves); err != nil {
		return res, err
	}
	res.Moved = len(moves)
	res.Skipped = res.Files - res.Moved - len(failed)
	return res, errors.Join(failed...)
}

// placeMessages log how a file reached its place.
var placeMessages = map[organize.Outcome]string{
	organize.Moved:        "file organized",
	organize.FoundMoved:   "file found where an earlier attempt moved it",
	organize.FinishedCopy: "completed an interrupted move",
}

// placed logs what organize.PlaceAll did with file and returns where it
// went, for the caller to record ("" when nothing is to be recorded).
func placed(job *queue.Job, file catalog.File, r organize.Result) (string, error) {
	if r.Err != nil {
		return "", fmt.Errorf("organizing file %d: %w", file.ID, r.Err)
	}
	switch r.Outcome {
	case organize.AlreadyInPlace:
		return "", nil
	case organize.Gone:
		job.Log.Warn("file to organize is gone; a scan will forget it", "path", file.Path)
		return "", nil
	case organize.Moved:
		if afterMove != nil {
			afterMove(file.Path, r.Path)
		}
	}
	job.Log.Info(placeMessages[r.Outcome], "src", file.Path, "dest", r.Path, "file_id", file.ID)
	return r.Path, nil
}

// organizeLibrary hands the identified files (of one library, or of all)
// that are not where their template puts them to organize_files children,
// fileBatch files each.
func (t *tasks) organizeLibrary(ctx context.Context, job *queue.Job, a OrganizeLibraryArgs) error {
	s := t.settings()
	if !s.Library.Management.Organizer.Enabled {
		job.Log.Info("organizer disabled")
		return nil
	}
	libs, err := t.libraries(ctx, a.LibraryPath)
	if err != nil {
		return err
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return err
	}
	defer release()
	total := 0
	for _, lib := range libs {
		files, err := catalog.FilesInLibrary(t.db(ctx), lib.ID)
		if err != nil {
			return err
		}
		apps, err := catalog.AppsByFile(t.db(ctx), lib.ID)
		if err != nil {
			return err
		}
		var toMove []int64
		for _, f := range files {
			dest, ok, err := destination(s, tdb, lib.Path, f, apps[f.ID])
			if err != nil {
				return err
			}
			if ok && !organize.InPlace(f.Path, dest) {
				toMove = append(toMove, f.ID)
			}
		}
		if err := spawnFileBatches(ctx, job, toMove, func(part []int64) queue.Args { return OrganizeFilesArgs{FileIDs: part} }); err != nil {
			return err
		}
		total += len(toMove)
		job.Log.Info("organizing library", "library", lib.Path, "files", len(files), "to_move", len(toMove))
	}
	return job.SetResult(OrganizeLibraryResult{ToMove: total})
}

// organizeLibraryDone removes the folders the moves emptied (when enabled)
// and goes on with remove_outdated_updates.
func (t *tasks) organizeLibraryDone(ctx context.Context, job *queue.Job, c queue.Continued[OrganizeLibraryArgs]) error {
	// Nothing moved on an unchanged rescan leaves nothing empty: the last
	// organize_library_done completed (scan_library_done checked), so the
	// folders earlier moves emptied are gone already.
	moved := !c.Parent.Unchanged || c.Children.Total > 0
	if moved && t.settings().Library.Management.Organizer.RemoveEmptyFolders {
		libs, err := t.libraries(ctx, c.Parent.LibraryPath)
		if err != nil {
			return err
		}
		for _, lib := range libs {
			n, err := organize.RemoveEmptyDirs(lib.Path)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing empty folders of %s: %w", lib.Path, err)
			}
			job.Log.Info("empty folders removed", "library", lib.Path, "folders", n)
		}
	}
	job.Log.Info("organizing finished", "moves", c.Children.Total, "failed", c.Children.Failed)
	return follow(ctx, job, RemoveOutdatedUpdatesArgs{Unchanged: c.Parent.Unchanged && c.Children.Total == 0})
}

// removeOutdatedUpdates deletes, when settings ask for it, the files holding
// only updates older than an update of the same title the library holds
// (and whose file is on disk), then asks for the library index.
func (t *tasks) removeOutdatedUpdates(ctx context.Context, job *queue.Job, a RemoveOutdatedUpdatesArgs) error {
	if !t.settings().Library.Management.DeleteOlderUpdates {
		return t.indexUnlessUnchanged(ctx, job, a.Unchanged)
	}
	db := t.db(ctx)
	apps, err := catalog.AppsByFile(db, 0)
	if err != nil {
		return err
	}
	newest := map[string]int{}       // update app id -> newest version held
	newestFile := map[string]int64{} // a file holding it
	for _, fileID := range slices.Sorted(maps.Keys(apps)) {
		for _, a := range apps[fileID] {
			if a.Type == identify.TypeUpdate {
				if v, ok := newest[a.AppID]; !ok || a.Version > v {
					newest[a.AppID], newestFile[a.AppID] = a.Version, fileID
				}
			}
		}
	}
	removed := 0
	for fileID, held := range apps {
		outdated := !slices.ContainsFunc(held, func(a catalog.App) bool {
			return a.Type != identify.TypeUpdate || a.Version >= newest[a.AppID]
		})
		if !outdated || !t.onDisk(ctx, newestFile[held[0].AppID]) {
			continue
		}
		file, err := catalog.FileByID(db, fileID)
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := catalog.AddIgnoredEvent(db, file.Path, file.Path, IgnoreTTL); err != nil {
			return err
		}
		if err := os.Remove(file.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("deleting outdated update %s: %w", file.Path, err)
		}
		if err := catalog.DeleteFile(db, file.ID); err != nil {
			return err
		}
		job.Log.Info("outdated update deleted", "path", file.Path, "app_id", held[0].AppID, "version", held[0].Version,
			"newer", newest[held[0].AppID])
		removed++
	}
	if err := job.SetResult(RemovedResult{Removed: removed}); err != nil {
		return err
	}
	return t.indexUnlessUnchanged(ctx, job, a.Unchanged && removed == 0)
}

// indexUnlessUnchanged asks for the index at once, unless the chain changed
// nothing it shows: on an unchanged rescan the index would be read from the
// whole catalog to find the same hash (the largest step of such a rescan).
func (t *tasks) indexUnlessUnchanged(ctx context.Context, job *queue.Job, unchanged bool) error {
	if unchanged {
		job.Log.Info("library unchanged and nothing moved or removed; index left as it is")
		return nil
	}
	return t.requestIndexNow(ctx, job)
}

// onDisk reports whether the catalog's file id exists on disk.
func (t *tasks) onDisk(ctx context.Context, fileID int64) bool {
	f, err := catalog.FileByID(t.db(ctx), fileID)
	if err != nil {
		return false
	}
	_, err = os.Stat(f.Path)
	return err == nil
}
