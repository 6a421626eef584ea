package catalog

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The library pipeline records files in batches (hundreds per task): each
// function here costs a few statements per batch, not per file, because a
// statement's fixed cost (GORM, and glebarez/go-sqlite preparing it anew)
// is what bounds per-file work.

// rowBatch bounds the rows of one multi-row statement: 250 rows of the 13
// columns of files stay far below SQLite's and PostgreSQL's limits on bound
// variables.
const rowBatch = 250

// Seen is a file as a scan or a file event found it on disk.
type Seen struct {
	Path  string
	Size  int64
	Mtime time.Time
}

// File is the row s would have in the library (without an id).
func (s Seen) File(libraryID int64) File {
	path := filepath.Clean(s.Path)
	folder, name, ext := splitPath(path)
	return File{LibraryID: libraryID, Folder: folder, Name: name, Extension: ext, Size: s.Size,
		Mtime: s.Mtime.UnixMicro(), Path: path}
}

// Upserted is a file UpsertFiles recorded: its row, and whether it was new
// or changed (and so lost its identification and apps).
type Upserted struct {
	File
	Changed bool
}

// UpsertFiles records files of one library as seen on disk, a few
// statements per rowBatch files. A file that is new, or whose size,
// modification time or library differs from its row, is (re)written with
// its identification reset and its apps unlinked, since its content may be
// different; an unchanged file's row is returned as it is. The result is in
// the order of seen.
func UpsertFiles(db *gorm.DB, libraryID int64, seen []Seen) ([]Upserted, error) {
	out := make([]Upserted, 0, len(seen))
	args := make([]any, 0, upsertFileArgs*min(len(seen), rowBatch))
	err := db.Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(seen); start += rowBatch {
			part, err := upsertFiles(tx, libraryID, seen[start:min(start+rowBatch, len(seen))], args[:0])
			if err != nil {
				return err
			}
			out = append(out, part...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recording %d files: %w", len(seen), err)
	}
	return out, nil
}

// upsertFileArgs is how many arguments upsertFilesStatement binds per row.
const upsertFileArgs = 9

// upsertFilesStatement writes the new and changed files and returns their
// ids and creation times; the conflict update skips the unchanged ones.
var upsertFilesStatement = rowsStatement{
	head: `INSERT INTO files (library_id, folder, name, extension, size, mtime, path, identified,
			identification_method, identification_error, identification_attempts, created_at, updated_at)
		VALUES `,
	row: "(?, ?, ?, ?, ?, ?, ?, FALSE, '', '', 0, ?, ?)",
	tail: `
		ON CONFLICT (path) DO UPDATE SET
			library_id = excluded.library_id, size = excluded.size, mtime = excluded.mtime,
			identified = FALSE, identification_method = '', identification_error = '', identification_note = '',
			identification_attempts = 0, updated_at = excluded.updated_at
		WHERE files.size <> excluded.size OR files.mtime <> excluded.mtime
			OR files.library_id <> excluded.library_id
		RETURNING id, path, created_at`,
}

// upsertFiles is UpsertFiles for at most rowBatch files, with args (empty)
// to bind them in. A written row is the file as seen with its
// identification reset, so only its id and creation time are read back.
func upsertFiles(tx *gorm.DB, libraryID int64, seen []Seen, args []any) ([]Upserted, error) {
	written := now()
	t, lib := any(written), any(libraryID) // boxed once, bound in every row
	files := make([]File, 0, len(seen))
	index := make(map[string]int, len(seen)) // path → files
	for _, s := range seen {
		path := filepath.Clean(s.Path)
		if _, dup := index[path]; dup {
			continue // one row per path: a statement may not update a row twice
		}
		index[path] = len(files)
		f := s.File(libraryID)
		f.UpdatedAt = written
		files = append(files, f)
		args = append(args, lib, f.Folder, f.Name, f.Extension, f.Size, f.Mtime, f.Path, t, t)
	}
	rows, err := upsertFilesStatement.query(tx, len(files), args)
	if err != nil {
		return nil, err
	}
	changed := make([]bool, len(files))
	var ids []int64
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var id, createdAt int64
			var path string
			if err := rows.Scan(&id, &path, &createdAt); err != nil {
				return err
			}
			i, ok := index[path]
			if !ok {
				return fmt.Errorf("the upsert returned %s, which it was not given", path)
			}
			files[i].ID, files[i].CreatedAt, changed[i] = id, createdAt, true
			ids = append(ids, id)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, err
	}
	if err := unlinkApps(tx, ids); err != nil {
		return nil, err
	}
	if len(ids) < len(files) { // the unchanged ones: the conflict update skipped them
		var unchanged []string
		for i, f := range files {
			if !changed[i] {
				unchanged = append(unchanged, f.Path)
			}
		}
		rows, err := FilesByPaths(tx, unchanged)
		if err != nil {
			return nil, err
		}
		for p, f := range rows {
			files[index[p]] = f
		}
	}
	out := make([]Upserted, 0, len(seen))
	for _, s := range seen {
		if i, ok := index[filepath.Clean(s.Path)]; ok && files[i].ID != 0 {
			out = append(out, Upserted{File: files[i], Changed: changed[i]})
		}
	}
	return out, nil
}

// FilesByPaths returns the rows of those paths the catalog holds, by path.
func FilesByPaths(db *gorm.DB, paths []string) (map[string]File, error) {
	out := make(map[string]File, len(paths))
	for start := 0; start < len(paths); start += chunkSize {
		part := paths[start:min(start+chunkSize, len(paths))]
		clean := make([]string, 0, len(part))
		for _, p := range part {
			if storableText(p) { // see FileByName: such a path is in no row
				clean = append(clean, filepath.Clean(p))
			}
		}
		if len(clean) == 0 {
			continue
		}
		var files []File
		if err := db.Where("path IN ?", clean).Find(&files).Error; err != nil {
			return nil, fmt.Errorf("reading %d files by path: %w", len(paths), err)
		}
		for _, f := range files {
			out[f.Path] = f
		}
	}
	return out, nil
}

// FilesByIDs returns the rows of those ids the catalog holds, by id.
func FilesByIDs(db *gorm.DB, ids []int64) ([]File, error) {
	var out []File
	err := chunks(ids, func(part []int64) error {
		var files []File
		if err := db.Where("id IN ?", part).Order("id").Find(&files).Error; err != nil {
			return err
		}
		out = append(out, files...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %d files by id: %w", len(ids), err)
	}
	return out, nil
}

// Identification is what identifying one file found: the apps it holds and
// how they were found, or, when Error is set, why none could be.
type Identification struct {
	FileID int64
	Apps   []AppRef
	// Method is how the apps were found (e.g. identify.MethodCNMT); each
	// app's file_apps row records it.
	Method string
	// Note is what the user should know of an identified file (see
	// File.IdentificationNote).
	Note string
	// Error is why the file could not be identified ("" when it was). The
	// file is recorded as unidentified with this reason.
	Error string
}

// RecordIdentifications records the outcome of identifying each file, a few
// statements per batch: the files found to hold apps have those apps
// (owned, created if new) in place of their previous ones, and a titles row
// for each app's title; the others are recorded as unidentified with their
// reason, and so is a file whose apps are not valid (with why), so that one
// bad file never fails the batch. Each file's attempts count one more.
// Files no longer in the catalog are skipped: it returns how many were
// recorded.
func RecordIdentifications(db *gorm.DB, ids []Identification) (int, error) {
	ids = slices.Clone(ids)
	for i := range ids {
		if ids[i].Error != "" {
			continue
		}
		apps, err := normalizeApps(ids[i].Apps)
		if err != nil {
			ids[i].Error = "invalid identification: " + err.Error()
			continue
		}
		ids[i].Apps = apps
	}
	recorded := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(ids); start += rowBatch {
			n, err := recordIdentifications(tx, ids[start:min(start+rowBatch, len(ids))])
			if err != nil {
				return err
			}
			recorded += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recording the identification of %d files: %w", len(ids), err)
	}
	return recorded, nil
}

// outcome is what an identification writes to its file's row; files with
// the same outcome are updated by one statement.
type outcome struct {
	identified          bool
	method, note, error string
}

func recordIdentifications(tx *gorm.DB, ids []Identification) (int, error) {
	fileIDs := make([]int64, len(ids))
	groups := map[outcome][]int64{}
	var order []outcome
	for i, id := range ids {
		fileIDs[i] = id.FileID
		o := outcome{identified: id.Error == "", method: id.Method, note: id.Note, error: id.Error}
		if !o.identified {
			o.method, o.note = "", ""
		}
		if _, ok := groups[o]; !ok {
			order = append(order, o)
		}
		groups[o] = append(groups[o], id.FileID)
	}
	old, err := deleteLinks(tx, fileIDs)
	if err != nil {
		return 0, err
	}
	present := map[int64]bool{}
	t := now()
	var args []any
	var updated []int64
	for _, o := range order {
		args = appendIDs(append(args[:0], o.identified, o.method, o.error, o.note, t), groups[o])
		rows, err := recordOutcomeStatement.query(tx, len(groups[o]), args)
		if err != nil {
			return 0, err
		}
		if updated, err = scanIDs(rows, updated[:0]); err != nil {
			return 0, err
		}
		for _, id := range updated {
			present[id] = true
		}
	}
	var apps []AppRef
	for _, id := range ids {
		if id.Error == "" && present[id.FileID] {
			apps = append(apps, id.Apps...)
		}
	}
	rows, err := upsertOwnedApps(tx, apps)
	if err != nil {
		return 0, err
	}
	var links []link
	held := map[int64]bool{}
	for _, id := range ids {
		if id.Error != "" || !present[id.FileID] {
			continue
		}
		for _, a := range id.Apps {
			row := rows[rowKey{a.AppID, a.Version}]
			links = append(links, link{fileID: id.FileID, appRowID: row, method: id.Method})
			held[row] = true
		}
	}
	if err := linkApps(tx, links); err != nil {
		return 0, err
	}
	// Apps the files held before and hold no more may have lost their owner.
	old = slices.DeleteFunc(old, func(id int64) bool { return held[id] })
	if err := refreshOwnership(tx, old); err != nil {
		return 0, err
	}
	return len(present), ensureTitles(tx, apps)
}

// recordOutcomeStatement writes one outcome to the files with the ids of
// its rows (at most rowBatch) and returns those still in the catalog.
var recordOutcomeStatement = rowsStatement{
	head: `UPDATE files SET identified = ?, identification_method = ?, identification_error = ?,
			identification_note = ?, identification_attempts = identification_attempts + 1, updated_at = ?
		WHERE id IN (`,
	row:  "?",
	tail: `) RETURNING id`,
}

// rowKey names an app row by its unique columns.
type rowKey struct {
	appID   string
	version int
}

// upsertOwnedApps inserts or updates apps as owned, one statement per
// rowBatch apps, and returns their row ids.
func upsertOwnedApps(tx *gorm.DB, apps []AppRef) (map[rowKey]int64, error) {
	out := map[rowKey]int64{}
	var unique []AppRef
	for _, a := range apps {
		if _, ok := out[rowKey{a.AppID, a.Version}]; !ok {
			out[rowKey{a.AppID, a.Version}] = 0
			unique = append(unique, a)
		}
	}
	args := make([]any, 0, 4*min(len(unique), rowBatch))
	for start := 0; start < len(unique); start += rowBatch {
		part := unique[start:min(start+rowBatch, len(unique))]
		args = args[:0]
		for _, a := range part {
			args = append(args, a.AppID, a.Version, a.Type, a.TitleID)
		}
		rows, err := upsertOwnedAppsStatement.query(tx, len(part), args)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var id int64
				var k rowKey
				if err := rows.Scan(&id, &k.appID, &k.version); err != nil {
					return err
				}
				out[k] = id
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, err
		}
	}
	for k, id := range out {
		if id == 0 {
			return nil, fmt.Errorf("app %s v%d: %w after its upsert", k.appID, k.version, ErrNotFound)
		}
	}
	return out, nil
}

var upsertOwnedAppsStatement = rowsStatement{
	head: `INSERT INTO apps (app_id, version, type, owned, title_id) VALUES `,
	row:  "(?, ?, ?, TRUE, ?)",
	tail: `
		ON CONFLICT (app_id, version) DO UPDATE SET type = excluded.type, title_id = excluded.title_id, owned = TRUE
		RETURNING id, app_id, version`,
}

// link is a file_apps row: a file holds an app, found by method.
type link struct {
	fileID, appRowID int64
	method           string
}

// linkApps inserts file_apps rows.
func linkApps(tx *gorm.DB, links []link) error {
	args := make([]any, 0, 3*min(len(links), chunkSize))
	for part := range slices.Chunk(links, chunkSize) {
		args = args[:0]
		for _, l := range part {
			args = append(args, l.fileID, l.appRowID, l.method)
		}
		if _, err := linkAppsStatement.exec(tx, len(part), args); err != nil {
			return err
		}
	}
	return nil
}

var linkAppsStatement = rowsStatement{
	head: `INSERT INTO file_apps (file_id, app_id, method) VALUES `, row: "(?, ?, ?)", tail: ` ON CONFLICT DO NOTHING`,
}

// ensureTitles creates a titles row for each app's title that has none.
func ensureTitles(tx *gorm.DB, apps []AppRef) error {
	var args []any
	seen := map[string]bool{}
	for _, a := range apps {
		if !seen[a.TitleID] {
			seen[a.TitleID] = true
			args = append(args, a.TitleID)
		}
	}
	for part := range slices.Chunk(args, chunkSize) {
		if _, err := ensureTitlesStatement.exec(tx, len(part), part); err != nil {
			return err
		}
	}
	return nil
}

var ensureTitlesStatement = rowsStatement{
	head: `INSERT INTO titles (title_id) VALUES `, row: "(?)", tail: ` ON CONFLICT (title_id) DO NOTHING`,
}

// AppsOfFiles maps each of the files that holds apps to them, by app id and
// version.
func AppsOfFiles(db *gorm.DB, fileIDs []int64) (map[int64][]App, error) {
	out := map[int64][]App{}
	err := chunks(fileIDs, func(part []int64) error {
		var rows []struct {
			FileID int64
			App
		}
		if err := db.Raw(`SELECT fa.file_id, a.id, a.app_id, a.version, a.type, a.owned, a.title_id
			FROM file_apps fa JOIN apps a ON a.id = fa.app_id WHERE fa.file_id IN ?
			ORDER BY fa.file_id, a.app_id, a.version`, part).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			out[r.FileID] = append(out[r.FileID], r.App)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the apps of %d files: %w", len(fileIDs), err)
	}
	return out, nil
}

// Move is a file the organizer moved: its row is to point at Path.
type Move struct {
	FileID int64
	Path   string
}

// RecordMoves points each moved file's row at its new path, in one
// transaction; see RecordMove.
func RecordMoves(db *gorm.DB, moves []Move) error {
	if len(moves) == 0 {
		return nil
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		paths := make([]string, len(moves))
		for i, m := range moves {
			paths[i] = m.Path
		}
		others, err := FilesByPaths(tx, paths)
		if err != nil {
			return err
		}
		var stale []int64
		for _, m := range moves {
			if o, ok := others[filepath.Clean(m.Path)]; ok && o.ID != m.FileID {
				stale = append(stale, o.ID)
			}
		}
		if _, err := DeleteFiles(tx, stale); err != nil {
			return err
		}
		return moveFiles(tx, moves)
	})
	if err != nil {
		return fmt.Errorf("recording %d moves: %w", len(moves), err)
	}
	return nil
}

// moveFiles sets the new paths of moved files, one UPDATE … FROM a VALUES
// list per rowBatch moves; a file whose row is gone is skipped.
func moveFiles(tx *gorm.DB, moves []Move) error {
	t := now()
	for start := 0; start < len(moves); start += rowBatch {
		part := moves[start:min(start+rowBatch, len(moves))]
		values := make([]string, 0, len(part))
		args := make([]any, 0, 5*len(part)+1)
		dup := make(map[int64]bool, len(part))
		for _, m := range slices.Backward(part) { // the last move of a file wins, as one by one
			if dup[m.FileID] {
				continue
			}
			dup[m.FileID] = true
			path := filepath.Clean(m.Path)
			folder, name, ext := splitPath(path)
			values = append(values, "(CAST(? AS BIGINT), ?, ?, ?, ?)")
			args = append(args, m.FileID, path, folder, name, ext)
		}
		args = append(args, t)
		// A CTE names the VALUES columns: SQLite has no "AS v (id, …)".
		if err := tx.Exec(`WITH v (id, path, folder, name, ext) AS (VALUES `+strings.Join(values, ", ")+`)
			UPDATE files SET path = v.path, folder = v.folder, name = v.name, extension = v.ext, updated_at = ?
			FROM v WHERE files.id = v.id`, args...).Error; err != nil {
			return err
		}
	}
	return nil
}
