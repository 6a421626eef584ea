package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/queue"
)

// fileBatch is how many files one add_files, identify_files or
// organize_files child handles: large enough that a file costs a fraction of
// a statement, small enough that a library of a few thousand files still
// spreads over every slot of every worker process, and that a retried batch
// repeats little.
const fileBatch = 250

// spawnBatch bounds the children created per write transaction, so a fan-out
// over a huge library does not hold the database's write lock for long.
const spawnBatch = 500

// library returns the catalog row of the library folder p (made absolute).
func (t *tasks) library(ctx context.Context, p string) (catalog.Library, error) {
	if p == "" {
		return catalog.Library{}, queue.Permanent(errors.New("library_path is empty"))
	}
	root, err := filepath.Abs(p)
	if err != nil {
		return catalog.Library{}, queue.Permanent(fmt.Errorf("library %s: %w", p, err))
	}
	// Task args come from anyone who may enqueue (POST /api/tasks takes any task name and
	// args): only a folder the settings name may be scanned, organized or changed.
	if !t.configuredLibrary(ctx, root) {
		return catalog.Library{}, queue.Permanent(fmt.Errorf(
			"%s is not one of the library folders in the settings (library.paths); only those are read or changed", root))
	}
	// Read first: every file task asks, and a write would queue behind the
	// other processes' writes for a row that almost always exists.
	lib, err := catalog.LibraryByPath(t.db(ctx), root)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.EnsureLibrary(t.db(ctx), root)
	}
	return lib, err
}

// configuredLibrary reports whether root (absolute) is one of the library folders in the
// settings now in force.
func (t *tasks) configuredLibrary(ctx context.Context, root string) bool {
	if containsLibrary(t.settings().Library.Paths, root) {
		return true
	}
	// The api saves the settings and enqueues the new folder's scan at once: this process's
	// live reload may not have seen them yet, so their source (the file, or the database on
	// PostgreSQL) has the last word.
	if t.Settings != nil {
		if s, err := t.Settings.Latest(ctx); err == nil {
			return containsLibrary(s.Library.Paths, root)
		}
	}
	return false
}

func containsLibrary(paths []string, root string) bool {
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil && abs == root {
			return true
		}
	}
	return false
}

// scanLibrary walks a library folder and hands the game files that are new,
// changed (size or modification time) or never identified to add_files
// children, fileBatch files each, spawned as the walk goes so workers start
// on them at once; unchanged files cost no task. The catalog's rows are
// read while the walk starts (the walk waits on the disk, the read on the
// CPU), and the files the walk did not find are counted (Missing), so that
// scan_library_done knows whether anything changed. The scan completes when
// the children have all finished, and then scan_library_done runs.
func (t *tasks) scanLibrary(ctx context.Context, job *queue.Job, a ScanLibraryArgs) error {
	lib, err := t.library(ctx, a.LibraryPath)
	if err != nil {
		return err
	}
	// A missing folder (an unplugged disk) fails the scan, so that its
	// continuation, which removes the files not seen, does not run.
	if info, err := os.Stat(lib.Path); err != nil || !info.IsDir() {
		return queue.Permanent(fmt.Errorf("library folder %s is not available: %v", lib.Path, err))
	}
	type read struct {
		known map[string]catalog.ScanState
		err   error
	}
	reading := make(chan read, 1)
	go func() {
		known, err := catalog.ScanStates(t.db(ctx), lib.ID)
		reading <- read{known, err}
	}()
	var known map[string]catalog.ScanState
	received := false
	var early []catalog.Seen // walked before the catalog was read
	var batch []string
	seen, added, matched := 0, 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := job.Spawn(ctx, queue.NewParams(AddFilesArgs{LibraryPath: lib.Path, Filepaths: batch})); err != nil {
			return err
		}
		added += len(batch)
		batch = nil
		return nil
	}
	compare := func(s catalog.Seen) error {
		if f, ok := known[s.Path]; ok {
			matched++
			if !needsRecording(f, s.Size, s.Mtime) {
				return nil
			}
		}
		batch = append(batch, s.Path)
		if len(batch) >= fileBatch {
			return flush()
		}
		return nil
	}
	// await takes the catalog's rows once read (block: wait for them) and
	// compares the files walked so far.
	await := func(block bool) error {
		if known != nil {
			return nil
		}
		var r read
		if block {
			r = <-reading
		} else {
			select {
			case r = <-reading:
			default:
				return nil
			}
		}
		received = true
		if r.err != nil {
			return r.err
		}
		known = r.known
		for _, s := range early {
			if err := compare(s); err != nil {
				return err
			}
		}
		early = nil
		return nil
	}
	err = filepath.WalkDir(lib.Path, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == lib.Path {
				return err
			}
			job.Log.Warn("skipping unreadable path", "path", path, "err", err)
			return nil // WalkDir skips an unreadable folder by itself
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !d.Type().IsRegular() || !organize.IsGameFile(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone since the folder was read
		}
		seen++
		s := catalog.Seen{Path: path, Size: info.Size(), Mtime: info.ModTime()}
		if err := await(false); err != nil {
			return err
		}
		if known == nil {
			early = append(early, s)
			return nil
		}
		return compare(s)
	})
	if err == nil {
		err = await(true)
	} else if !received {
		<-reading // the read uses the job's context: let it end first
	}
	if err != nil {
		return fmt.Errorf("scanning %s: %w", lib.Path, err)
	}
	if err := flush(); err != nil {
		return err
	}
	missing := len(known) - matched
	job.Log.Info("library scanned", "library", lib.Path, "files", seen, "to_add", added, "missing", missing)
	return job.SetResult(ScanLibraryResult{Files: seen, Added: added, Missing: missing})
}

// needsRecording reports whether a file whose row is f, now found with
// size and mtime, is to be recorded and identified: it changed, or was
// never tried. A file whose identification failed is tried again only once
// it changes (or by identify_library).
func needsRecording(f catalog.ScanState, size int64, mtime time.Time) bool {
	changed := f.Size != size || f.Mtime != mtime.UnixMicro()
	return changed || (!f.Identified && f.IdentificationAttempts == 0)
}

// scanLibraryDone runs once a scan's files are all recorded and identified:
// it records the scan time and goes on with the chain. When nothing changed
// (see unchanged), add_missing_apps, remove_missing_files, update_titles
// and the index would each read the whole catalog to write nothing, so the
// chain ends here, or goes straight on with organize_library when the
// organizer is on (its templates may have changed since its last run).
func (t *tasks) scanLibraryDone(ctx context.Context, job *queue.Job, c queue.Continued[ScanLibraryArgs]) error {
	lib, err := t.library(ctx, c.Parent.LibraryPath)
	if err != nil {
		return err
	}
	if err := catalog.MarkLibraryScanned(t.db(ctx), lib.ID, time.Now()); err != nil {
		return err
	}
	job.Log.Info("scan finished", "library", lib.Path, "files_added", c.Children.Total,
		"failed", c.Children.Failed)
	unchanged, err := t.unchanged(ctx, job, c)
	if err != nil {
		return err
	}
	if !unchanged {
		return follow(ctx, job, AddMissingAppsArgs{LibraryPath: lib.Path})
	}
	job.Log.Info("library and title database unchanged; missing apps, titles and index left as they are",
		"library", lib.Path)
	if t.settings().Library.Management.Organizer.Enabled {
		return follow(ctx, job, OrganizeLibraryArgs{LibraryPath: lib.Path, Unchanged: true})
	}
	return nil
}

// skippedSteps are the chain's steps an unchanged rescan leaves out.
var skippedSteps = []string{AddMissingApps, RemoveMissingFiles, UpdateTitles, GenerateLibrary}

// unchanged reports whether the scan c continues changed nothing the later
// steps depend on: the title database was not replaced (the scan was asked
// for by update_titledb, which says so), the scan recorded no file and
// missed none, the library index exists, and the last run of each skipped
// step did not fail or get cancelled (a chain cut short is done again in
// full, not skipped forever).
func (t *tasks) unchanged(ctx context.Context, job *queue.Job, c queue.Continued[ScanLibraryArgs]) (bool, error) {
	if !c.Parent.TitleDBUnchanged || c.Children.Total > 0 {
		return false, nil
	}
	parent, err := job.Queue().Get(ctx, c.ParentID)
	if err != nil {
		return false, err
	}
	var scanned ScanLibraryResult
	if err := json.Unmarshal(parent.Result, &scanned); err != nil || scanned.Added > 0 || scanned.Missing > 0 {
		return false, nil
	}
	if !t.indexExists(ctx) {
		return false, nil
	}
	steps := skippedSteps
	if t.settings().Library.Management.Organizer.Enabled {
		// organize_library_done removes the folders moves emptied, which an
		// unchanged rescan that moves nothing does not look for again.
		steps = append(slices.Clip(steps), OrganizeLibraryDone)
	}
	for _, name := range steps {
		last, _, err := job.Queue().List(ctx, queue.Filter{Name: name, Limit: 1})
		if err != nil {
			return false, err
		}
		if len(last) == 0 || last[0].Status == queue.StatusFailed || last[0].Status == queue.StatusCancelled {
			return false, nil
		}
	}
	return true, nil
}

// addFiles records a batch of a scan's files in the catalog and identifies
// those new, changed or never identified. A file that is gone, is not a game
// file or lies outside the library is skipped, one that cannot be
// identified is recorded with the reason: neither fails the batch.
func (t *tasks) addFiles(ctx context.Context, job *queue.Job, a AddFilesArgs) error {
	lib, err := t.library(ctx, a.LibraryPath)
	if err != nil {
		return err
	}
	res := BatchResult{Files: len(a.Filepaths)}
	var seen []catalog.Seen
	for _, p := range a.Filepaths {
		path, err := insideLibrary(lib.Path, p)
		if err != nil {
			job.Log.Warn("file of the batch skipped", "path", p, "err", err)
			continue
		}
		info, err := os.Stat(path)
		if err != nil || !info.Mode().IsRegular() || !organize.IsGameFile(path) {
			job.Log.Debug("file gone or not a game file; skipped", "path", path)
			continue
		}
		seen = append(seen, catalog.Seen{Path: path, Size: info.Size(), Mtime: info.ModTime()})
	}
	ids, err := t.recordFiles(ctx, job, lib, seen)
	if err != nil {
		return err
	}
	res.count(ids)
	res.Skipped = res.Files - res.Identified - res.Unidentified
	return job.SetResult(res)
}

// count adds identifications to the result.
func (r *BatchResult) count(ids []catalog.Identification) {
	for _, id := range ids {
		if id.Error == "" {
			r.Identified++
		} else {
			r.Unidentified++
		}
	}
}

// recordFiles records files of lib found on disk and identifies those that
// are new, changed or never tried, with one catalog read before and one
// transaction after (the files are read, for identification, outside any
// transaction). It returns the identifications it recorded.
func (t *tasks) recordFiles(ctx context.Context, job *queue.Job, lib catalog.Library, seen []catalog.Seen) ([]catalog.Identification, error) {
	paths := make([]string, len(seen))
	for i, s := range seen {
		paths[i] = s.Path
	}
	known, err := catalog.FilesByPaths(t.db(ctx), paths)
	if err != nil {
		return nil, err
	}
	var todo []catalog.Seen
	var files []catalog.File
	for _, s := range seen {
		f, ok := known[s.Path]
		if ok && !needsRecording(f.ScanState(), s.Size, s.Mtime) {
			continue
		}
		todo = append(todo, s)
		files = append(files, s.File(lib.ID))
	}
	if len(todo) == 0 {
		return nil, nil
	}
	found, err := t.identifyAll(ctx, job, files)
	if err != nil {
		return nil, err
	}
	var ids []catalog.Identification
	err = t.db(ctx).Transaction(func(tx *gorm.DB) error {
		rows, err := catalog.UpsertFiles(tx, lib.ID, todo)
		if err != nil {
			return err
		}
		byPath := make(map[string]int64, len(rows))
		for _, r := range rows {
			byPath[r.Path] = r.ID
		}
		ids = ids[:0]
		for i, f := range files {
			if id, ok := byPath[f.Path]; ok {
				found[i].FileID = id
				ids = append(ids, found[i])
			}
		}
		_, err = catalog.RecordIdentifications(tx, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	job.Log.Debug("files recorded", "library", lib.Path, "files", len(ids))
	return ids, nil
}

// record records and identifies one file a file event found, and enqueues
// its follow-ups (the missing apps of its titles, its move when the
// organizer is on).
func (t *tasks) record(ctx context.Context, job *queue.Job, lib catalog.Library, path string, info fs.FileInfo) error {
	ids, err := t.recordFiles(ctx, job, lib, []catalog.Seen{{Path: path, Size: info.Size(), Mtime: info.ModTime()}})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id.Error != "" {
			job.Log.Info("file not identifiable", "path", path, "reason", id.Error)
			continue
		}
		job.Log.Info("file recorded and identified", "path", path, "file_id", id.FileID)
		if err := t.followUp(ctx, job, id.FileID, id.Apps); err != nil {
			return err
		}
	}
	return nil
}

// insideLibrary returns p cleaned and absolute, or a permanent error when it
// is not strictly inside root.
func insideLibrary(root, p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p = filepath.Clean(p)
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", queue.Permanent(fmt.Errorf("%s is not inside the library %s", p, root))
	}
	return p, nil
}

// removeMissingFiles forgets the files no longer on disk (of one library,
// or of all), repairs ownership and goes on with update_titles.
func (t *tasks) removeMissingFiles(ctx context.Context, job *queue.Job, a RemoveMissingFilesArgs) error {
	libs, err := t.libraries(ctx, a.LibraryPath)
	if err != nil {
		return err
	}
	moving, err := catalog.MovesInProgress(t.db(ctx))
	if err != nil {
		return err
	}
	exists := func(p string) bool {
		_, err := os.Lstat(p)
		// Only a definite "not there" counts; an organizer move in progress
		// updates the row itself.
		return err == nil || !errors.Is(err, fs.ErrNotExist) || moving[p]
	}
	removed := 0
	for _, lib := range libs {
		if !available(lib.Path) {
			job.Log.Warn("library folder missing or empty; its files are kept in the catalog until it is back",
				"library", lib.Path)
			continue
		}
		gone, err := catalog.DeleteFilesNotIn(t.db(ctx), lib.ID, exists)
		if err != nil {
			return err
		}
		for _, f := range gone {
			job.Log.Info("file no longer on disk", "path", f.Path, "file_id", f.ID)
		}
		removed += len(gone)
	}
	if err := catalog.RecomputeOwnership(t.db(ctx)); err != nil {
		return err
	}
	if err := job.SetResult(RemovedResult{Removed: removed}); err != nil {
		return err
	}
	return follow(ctx, job, UpdateTitlesArgs{})
}

// libraries returns the catalog's library at path, or every library when
// path is empty.
func (t *tasks) libraries(ctx context.Context, path string) ([]catalog.Library, error) {
	if path != "" {
		lib, err := t.library(ctx, path)
		return []catalog.Library{lib}, err
	}
	return catalog.Libraries(t.db(ctx))
}

// available reports whether a library folder exists and holds anything: an
// empty folder is most likely a mount point whose disk is not mounted, and
// removing every file of the library from the catalog would lose their
// identification for nothing.
func available(root string) bool {
	d, err := os.Open(root)
	if err != nil {
		return false
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	return len(names) > 0 && (err == nil || errors.Is(err, io.EOF))
}

// indexExists reports whether generate_library has written the library index where the api
// serves it from: the LibraryIndex document with Documents, the data folder's file without.
func (t *tasks) indexExists(ctx context.Context) bool {
	if t.Documents != nil {
		_, err := t.Documents.Stat(ctx, document.LibraryIndex)
		return err == nil
	}
	_, err := os.Stat(LibraryIndexPath(t.DataDir))
	return err == nil
}
