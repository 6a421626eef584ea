package pipeline

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/queue"
)

// The watcher's tasks. Each one brings the catalog in line with the disk
// for one path whatever happened in between (events arrive late, twice or
// out of order), then asks for a debounced generate_library.

// handleFileAdded records a new or changed file; a new or changed one is
// identified (and then organized, when the organizer is on).
func (t *tasks) handleFileAdded(ctx context.Context, job *queue.Job, a HandleFileAddedArgs) error {
	return t.handlePathEvent(ctx, job, a.LibraryPath, a.Filepath, false)
}

// handleFileDeleted forgets a deleted file (unless it is back) and updates
// its titles.
func (t *tasks) handleFileDeleted(ctx context.Context, job *queue.Job, a HandleFileDeletedArgs) error {
	return t.handlePathEvent(ctx, job, a.LibraryPath, a.Filepath, true)
}

// handlePathEvent brings the catalog in line with the disk for one path of
// a library, unless the event is the organizer's own: a file it created
// (added) or removed (deleted) there.
func (t *tasks) handlePathEvent(ctx context.Context, job *queue.Job, libraryPath, filePath string, deleted bool) error {
	lib, err := t.library(ctx, libraryPath)
	if err != nil {
		return err
	}
	path, err := insideLibrary(lib.Path, filePath)
	if err != nil {
		return err
	}
	src, dest := "", path
	if deleted {
		src, dest = path, ""
	}
	if ours, err := t.organizerMoving(ctx, job, src, dest); err != nil || ours {
		return err
	}
	if err := t.sync(ctx, job, lib, path); err != nil {
		return err
	}
	return t.requestIndex(ctx, job)
}

// sync makes the catalog agree with the disk about path: a game file there
// is recorded (and identified when new or changed), anything else is
// forgotten.
func (t *tasks) sync(ctx context.Context, job *queue.Job, lib catalog.Library, path string) error {
	info, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err != nil || !info.Mode().IsRegular() || !organize.IsGameFile(path) {
		return t.forgetPath(ctx, job, path)
	}
	return t.record(ctx, job, lib, path, info)
}

// handleFileMoved follows a file the user moved or renamed: it keeps its row
// and identification, unless it changed on the way or moved to another
// library (then it is recorded anew).
func (t *tasks) handleFileMoved(ctx context.Context, job *queue.Job, a HandleFileMovedArgs) error {
	lib, err := t.library(ctx, a.LibraryPath)
	if err != nil {
		return err
	}
	dest, err := insideLibrary(lib.Path, a.Dest)
	if err != nil {
		return err
	}
	src := filepath.Clean(a.Src)
	if ours, err := t.organizerMoving(ctx, job, src, dest); err != nil || ours {
		return err
	}
	old, err := catalog.FileByPath(t.db(ctx), src)
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		return err
	}
	info, statErr := os.Stat(dest)
	if err == nil && old.LibraryID == lib.ID && statErr == nil && info.Mode().IsRegular() && organize.IsGameFile(dest) {
		if _, stillThere := os.Lstat(src); stillThere == nil {
			// Both names exist (a copy, or events out of order): record both.
			if err := t.sync(ctx, job, lib, src); err != nil {
				return err
			}
		} else {
			if err := catalog.RecordMove(t.db(ctx), old.ID, dest); err != nil {
				return err
			}
			job.Log.Info("file moved", "src", src, "dest", dest, "file_id", old.ID)
		}
	} else if err == nil {
		if err := t.sync(ctx, job, lib, src); err != nil { // forgets it unless it is back
			return err
		}
	}
	// Records dest, re-identifying it only when it is new or its size or
	// modification time changed.
	if err := t.sync(ctx, job, lib, dest); err != nil {
		return err
	}
	return t.requestIndex(ctx, job)
}

// forgetPath removes the row of path, if any, and has its titles updated
// (they may own less now, or nothing).
func (t *tasks) forgetPath(ctx context.Context, job *queue.Job, path string) error {
	file, err := catalog.FileByPath(t.db(ctx), path)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	apps, err := catalog.AppsOfFile(t.db(ctx), file.ID)
	if err != nil {
		return err
	}
	if err := catalog.DeleteFile(t.db(ctx), file.ID); err != nil {
		return err
	}
	job.Log.Info("file forgotten", "path", path, "file_id", file.ID)
	var titleIDs []string
	for _, app := range apps {
		if !slices.Contains(titleIDs, app.TitleID) {
			titleIDs = append(titleIDs, app.TitleID)
			if err := enqueue(ctx, job, UpdateTitlesForTitleArgs{TitleID: app.TitleID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// organizerMoving reports whether an event is the organizer's own: a move
// from src to dest it announced and that has not expired (an empty src or
// dest matches any). Only the side the organizer touches counts: it
// removes a src and creates a dest, so a user's delete of a file it has
// just put in place is still the user's.
func (t *tasks) organizerMoving(ctx context.Context, job *queue.Job, src, dest string) (bool, error) {
	ours, err := catalog.OrganizerMoving(t.db(ctx), src, dest)
	if err != nil {
		return false, err
	}
	if ours {
		job.Log.Debug("event caused by the organizer; ignored", "src", src, "dest", dest)
	}
	return ours, nil
}

// removeLibrary forgets a library's rows (its files stay on disk).
func (t *tasks) removeLibrary(ctx context.Context, job *queue.Job, a RemoveLibraryArgs) error {
	root, err := filepath.Abs(a.LibraryPath)
	if err != nil || a.LibraryPath == "" {
		return queue.Permanent(errors.New("library_path must name a folder"))
	}
	if err := catalog.RemoveLibrary(t.db(ctx), root); err != nil {
		return err
	}
	job.Log.Info("library removed from the catalog", "library", root)
	return t.requestIndex(ctx, job)
}
