package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// spawnBatch bounds the children created per write transaction, so a scan
// of a huge library does not hold the database's write lock for long.
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
	if !t.configuredLibrary(root) {
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
func (t *tasks) configuredLibrary(root string) bool {
	if containsLibrary(t.settings().Library.Paths, root) {
		return true
	}
	// The api saves settings.yaml and enqueues the new folder's scan at once: this process's
	// live reload may not have seen the file yet, so the file itself has the last word.
	if t.Settings != nil {
		if s, err := settings.Load(t.Settings.Path()); err == nil {
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

// scanLibrary walks a library folder and creates an add_file child for each
// game file that is new, changed (size or modification time) or never
// identified; the scan completes when they (and the identifications they
// spawn) have all finished, and then scan_library_done runs.
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
	known, err := catalog.FilesInLibrary(t.db(ctx), lib.ID)
	if err != nil {
		return err
	}
	byPath := make(map[string]catalog.File, len(known))
	for _, f := range known {
		byPath[f.Path] = f
	}
	var batch []queue.Params
	seen, spawned := 0, 0
	flush := func() error {
		if err := job.Spawn(ctx, batch...); err != nil {
			return err
		}
		spawned += len(batch)
		batch = batch[:0]
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
		if f, ok := byPath[path]; ok && f.Size == info.Size() && f.Mtime == info.ModTime().UnixMicro() &&
			(f.Identified || f.IdentificationAttempts > 0) {
			return nil
		}
		batch = append(batch, queue.NewParams(AddFileArgs{LibraryPath: lib.Path, Filepath: path}))
		if len(batch) >= spawnBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scanning %s: %w", lib.Path, err)
	}
	if err := flush(); err != nil {
		return err
	}
	job.Log.Info("library scanned", "library", lib.Path, "files", seen, "to_add", spawned)
	return job.SetResult(ScanLibraryResult{Files: seen, Added: spawned})
}

// scanLibraryDone runs once a scan's files are all recorded and identified:
// it records the scan time and goes on with the chain.
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
	return follow(ctx, job, AddMissingAppsArgs{LibraryPath: lib.Path})
}

// addFile records one file in the catalog and has it identified when it is
// new or changed (or was never identified).
func (t *tasks) addFile(ctx context.Context, job *queue.Job, a AddFileArgs) error {
	lib, err := t.library(ctx, a.LibraryPath)
	if err != nil {
		return err
	}
	path, err := insideLibrary(lib.Path, a.Filepath)
	if err != nil {
		return err
	}
	if !organize.IsGameFile(path) {
		job.Log.Debug("not a game file", "path", path)
		return nil
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		job.Log.Info("file gone before it was recorded", "path", path)
		return nil
	}
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	return t.record(ctx, job, lib, path, info)
}

// record upserts the file at path and has it identified when it is new or
// changed or was never tried: as a child inside a scan's fan-out (so the scan
// waits for it), as a task of its own otherwise.
func (t *tasks) record(ctx context.Context, job *queue.Job, lib catalog.Library, path string, info fs.FileInfo) error {
	file, changed, err := catalog.UpsertFile(t.db(ctx), lib.ID, path, info.Size(), info.ModTime())
	if err != nil {
		return err
	}
	if !changed && (file.Identified || file.IdentificationAttempts > 0) {
		return nil
	}
	identify := IdentifyFileArgs{FileID: file.ID}
	if inFanOut(job) {
		job.Log.Debug("file recorded", "path", path, "file_id", file.ID, "changed", changed)
		return job.Spawn(ctx, queue.NewParams(identify))
	}
	job.Log.Info("file recorded; identifying it", "path", path, "file_id", file.ID)
	return enqueue(ctx, job, identify)
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
