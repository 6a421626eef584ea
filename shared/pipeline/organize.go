package pipeline

import (
	"bytes"
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

// inPlace reports whether a file at path is where dest says, allowing for
// the " (2)" FreePath gives a file whose destination another file took
// (two dumps of the same app): without that, each run would move it on.
func inPlace(path, dest string) bool {
	if path == dest {
		return true
	}
	if filepath.Dir(path) != filepath.Dir(dest) {
		return false
	}
	ext := filepath.Ext(dest)
	stem := strings.TrimSuffix(filepath.Base(dest), ext)
	name := filepath.Base(path)
	if !strings.HasSuffix(name, ")"+ext) {
		return false
	}
	rest, found := strings.CutPrefix(strings.TrimSuffix(name, ")"+ext), stem+" (")
	if !found || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// libraryOf returns the library row of a file.
func (t *tasks) libraryOf(ctx context.Context, file catalog.File) (catalog.Library, error) {
	var lib catalog.Library
	if err := t.db(ctx).Where("id = ?", file.LibraryID).Take(&lib).Error; err != nil {
		return lib, fmt.Errorf("library of file %d: %w", file.ID, err)
	}
	return lib, nil
}

// organizeFile moves one identified file to its template path. It is
// idempotent: a file already there stays; a file a previous attempt moved
// before dying gets its row updated.
func (t *tasks) organizeFile(ctx context.Context, job *queue.Job) error {
	var a fileArgs
	if err := job.Bind(&a); err != nil {
		return err
	}
	s := t.settings()
	if !s.Library.Management.Organizer.Enabled {
		job.Log.Info("organizer disabled; file left where it is", "file_id", a.FileID)
		return nil
	}
	file, err := catalog.FileByID(t.db(ctx), a.FileID)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !file.Identified {
		job.Log.Info("file not identified; left where it is", "path", file.Path)
		return nil
	}
	apps, err := catalog.AppsOfFile(t.db(ctx), file.ID)
	if err != nil {
		return err
	}
	lib, err := t.libraryOf(ctx, file)
	if err != nil {
		return err
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return err
	}
	dest, ok, err := destination(s, tdb, lib.Path, file, apps)
	release()
	if err != nil {
		return err
	}
	if !ok {
		job.Log.Info("title unknown to the title database; file left where it is", "path", file.Path)
		return nil
	}
	return t.place(ctx, job, file, dest)
}

// place moves file to dest (or a free variant of it), recording an ignored
// event first so that the watcher, in whatever process, does not take the
// move for a user's change.
func (t *tasks) place(ctx context.Context, job *queue.Job, file catalog.File, dest string) error {
	if inPlace(file.Path, dest) {
		return nil
	}
	db := t.db(ctx)
	src, err := os.Stat(file.Path)
	if errors.Is(err, fs.ErrNotExist) {
		// An earlier attempt may have moved it and died before the row
		// was updated: find the file where that attempt was taking it.
		candidates, err := earlierDestinations(db, file.Path)
		if err != nil {
			return err
		}
		for _, c := range append(candidates, dest) {
			if info, err := os.Lstat(c); err == nil && info.Size() == file.Size && info.ModTime().UnixMicro() == file.Mtime {
				job.Log.Info("file found where an earlier attempt moved it", "src", file.Path, "dest", c)
				return recordMove(db, file.ID, c)
			}
		}
		job.Log.Warn("file to organize is gone; a scan will forget it", "path", file.Path)
		return nil
	}
	if err != nil {
		return err
	}
	target := dest
	if info, err := os.Lstat(dest); err == nil {
		// A copy across file systems that died after completing dest but
		// before removing the source leaves both: finish it.
		done, err := finishedCopy(db, file.Path, dest, src, info)
		if err != nil {
			return err
		}
		if done {
			if err := os.Remove(file.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			job.Log.Info("completed an interrupted move", "src", file.Path, "dest", dest)
			return recordMove(db, file.ID, dest)
		}
		target = organize.FreePath(dest)
	}
	if err := catalog.AddIgnoredEvent(db, file.Path, target, IgnoreTTL); err != nil {
		return err
	}
	if err := organize.Move(file.Path, target); err != nil {
		return fmt.Errorf("organizing file %d: %w", file.ID, err)
	}
	if afterMove != nil {
		afterMove(file.Path, target)
	}
	if err := recordMove(db, file.ID, target); err != nil {
		return err
	}
	job.Log.Info("file organized", "src", file.Path, "dest", target, "file_id", file.ID)
	return nil
}

// recordMove points the file's row at path. A row another task created for
// path meanwhile (a scan or file event that saw the moved file) describes
// the same file and goes.
func recordMove(db *gorm.DB, fileID int64, path string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		other, err := catalog.FileByPath(tx, path)
		if err == nil && other.ID != fileID {
			if err := catalog.DeleteFile(tx, other.ID); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
		_, err = catalog.MoveFile(tx, fileID, path)
		return err
	})
}

// earlierDestinations lists where organizer moves of src were going,
// newest first, expired or not.
func earlierDestinations(db *gorm.DB, src string) ([]string, error) {
	var dests []string
	err := db.Model(&catalog.IgnoredEvent{}).Where("src = ? AND dest <> src", filepath.Clean(src)).
		Order("id DESC").Pluck("dest", &dests).Error
	if err != nil {
		return nil, fmt.Errorf("reading organizer moves of %s: %w", src, err)
	}
	return dests, nil
}

// finishedCopy reports whether dest is a complete copy of src made by an
// earlier organizer move: recorded as such, same size and modification time
// (Move keeps it) and same bytes.
func finishedCopy(db *gorm.DB, src, dest string, srcInfo, destInfo fs.FileInfo) (bool, error) {
	if srcInfo.Size() != destInfo.Size() || !srcInfo.ModTime().Equal(destInfo.ModTime()) || os.SameFile(srcInfo, destInfo) {
		return false, nil
	}
	dests, err := earlierDestinations(db, src)
	if err != nil || !slices.Contains(dests, filepath.Clean(dest)) {
		return false, err
	}
	return sameContent(src, dest)
}

func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	bufA, bufB := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			return errB == io.EOF || errB == io.ErrUnexpectedEOF, nil
		}
		if errA != nil {
			return false, errA
		}
		if errB != nil {
			return false, errB
		}
	}
}

// movesInProgress is the set of paths an organizer is moving away from now
// (unexpired ignored events): their rows are about to be updated, not lost.
func movesInProgress(ctx context.Context, db *gorm.DB) (map[string]bool, error) {
	var srcs []string
	if err := db.WithContext(ctx).Model(&catalog.IgnoredEvent{}).Where("expires_at > ?", time.Now().UnixMicro()).
		Pluck("src", &srcs).Error; err != nil {
		return nil, fmt.Errorf("reading organizer moves: %w", err)
	}
	out := make(map[string]bool, len(srcs))
	for _, s := range srcs {
		out[s] = true
	}
	return out, nil
}

// fileApp is an app with the file holding it.
type fileApp struct {
	FileID int64
	catalog.App
}

// appsByFile returns the apps of every identified file of a library.
func appsByFile(db *gorm.DB, libraryID int64) (map[int64][]catalog.App, error) {
	var rows []fileApp
	err := db.Raw(`SELECT fa.file_id, a.id, a.app_id, a.version, a.type, a.owned, a.title_id
		FROM file_apps fa JOIN apps a ON a.id = fa.app_id JOIN files f ON f.id = fa.file_id
		WHERE f.library_id = ? ORDER BY fa.file_id, a.app_id, a.version`, libraryID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reading the apps of library %d: %w", libraryID, err)
	}
	out := map[int64][]catalog.App{}
	for _, r := range rows {
		out[r.FileID] = append(out[r.FileID], r.App)
	}
	return out, nil
}

// organizeLibrary creates an organize_file child for each identified file
// (of one library, or of all) that is not where its template puts it.
func (t *tasks) organizeLibrary(ctx context.Context, job *queue.Job) error {
	var a optionalLibraryArgs
	if err := job.Bind(&a); err != nil {
		return err
	}
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
		apps, err := appsByFile(t.db(ctx), lib.ID)
		if err != nil {
			return err
		}
		var children []queue.Params
		for _, f := range files {
			dest, ok, err := destination(s, tdb, lib.Path, f, apps[f.ID])
			if err != nil {
				return err
			}
			if ok && !inPlace(f.Path, dest) {
				children = append(children, queue.Params{Name: OrganizeFile, Args: fileArgs{FileID: f.ID}})
			}
		}
		for start := 0; start < len(children); start += spawnBatch {
			if err := job.Spawn(ctx, children[start:min(start+spawnBatch, len(children))]...); err != nil {
				return err
			}
		}
		total += len(children)
		job.Log.Info("organizing library", "library", lib.Path, "files", len(files), "to_move", len(children))
	}
	return job.SetResult(map[string]int{"to_move": total})
}

// organizeLibraryDone removes the folders the moves emptied (when enabled)
// and goes on with remove_outdated_updates.
func (t *tasks) organizeLibraryDone(ctx context.Context, job *queue.Job) error {
	var c queue.ContinuationArgs
	if err := job.Bind(&c); err != nil {
		return err
	}
	var a optionalLibraryArgs
	if len(c.ParentArgs) > 0 {
		if err := json.Unmarshal(c.ParentArgs, &a); err != nil {
			return queue.Permanent(fmt.Errorf("args of organize_library: %w", err))
		}
	}
	if t.settings().Library.Management.Organizer.RemoveEmptyFolders {
		libs, err := t.libraries(ctx, a.LibraryPath)
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
	return follow(ctx, job, RemoveOutdatedUpdates, nil)
}

// removeOutdatedUpdates deletes, when settings ask for it, the files holding
// only updates older than an update of the same title the library holds
// (and whose file is on disk), then asks for the library index.
func (t *tasks) removeOutdatedUpdates(ctx context.Context, job *queue.Job) error {
	if !t.settings().Library.Management.DeleteOlderUpdates {
		return t.requestIndex(ctx, job)
	}
	db := t.db(ctx)
	var rows []fileApp
	if err := db.Raw(`SELECT fa.file_id, a.id, a.app_id, a.version, a.type, a.owned, a.title_id
		FROM file_apps fa JOIN apps a ON a.id = fa.app_id ORDER BY fa.file_id`).Scan(&rows).Error; err != nil {
		return fmt.Errorf("reading owned apps: %w", err)
	}
	apps := map[int64][]catalog.App{}
	newest := map[string]int{}       // update app id -> newest version held
	newestFile := map[string]int64{} // a file holding it
	for _, r := range rows {
		apps[r.FileID] = append(apps[r.FileID], r.App)
		if r.Type == identify.TypeUpdate {
			if v, ok := newest[r.AppID]; !ok || r.Version > v {
				newest[r.AppID], newestFile[r.AppID] = r.Version, r.FileID
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
	if err := job.SetResult(map[string]int{"removed": removed}); err != nil {
		return err
	}
	return t.requestIndex(ctx, job)
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
