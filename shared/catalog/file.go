package catalog

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// UpsertFile records the file at path in the library as seen by a scan;
// see UpsertFiles. changed is true when the file is new or changed.
func UpsertFile(db *gorm.DB, libraryID int64, path string, size int64, mtime time.Time) (file File, changed bool, err error) {
	rows, err := UpsertFiles(db, libraryID, []Seen{{Path: path, Size: size, Mtime: mtime}})
	if err != nil {
		return File{}, false, err
	}
	if len(rows) == 0 {
		return File{}, false, fmt.Errorf("recording file %s: %w", path, ErrNotFound)
	}
	return rows[0].File, rows[0].Changed, nil
}

// FileByID returns the file with id.
func FileByID(db *gorm.DB, id int64) (File, error) {
	var f File
	err := db.Where("id = ?", id).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return File{}, fmt.Errorf("file %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return File{}, fmt.Errorf("reading file %d: %w", id, err)
	}
	return f, nil
}

// FileByPath returns the file at path.
func FileByPath(db *gorm.DB, path string) (File, error) {
	if !storableText(path) {
		return File{}, fmt.Errorf("file %q: %w", path, ErrNotFound)
	}
	path = filepath.Clean(path)
	var f File
	err := db.Where("path = ?", path).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return File{}, fmt.Errorf("file %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return File{}, fmt.Errorf("reading file %s: %w", path, err)
	}
	return f, nil
}

// FileByName returns the file named name (its base name), the one with the lowest id when
// several folders hold a file of that name, so the answer is the same on every request.
func FileByName(db *gorm.DB, name string) (File, error) {
	if !storableText(name) {
		return File{}, fmt.Errorf("file %q: %w", name, ErrNotFound)
	}
	var f File
	err := db.Where("name = ?", name).Order("id").Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return File{}, fmt.Errorf("file %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return File{}, fmt.Errorf("reading file %q: %w", name, err)
	}
	return f, nil
}

// storableText reports whether s can be a name or path in the catalog: PostgreSQL rejects a
// text parameter with NUL or invalid UTF-8 as an error (a 500), while no stored name has
// either, so a lookup for one is "not found" before it reaches the database.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// FilesInLibrary lists the files of a library by path.
func FilesInLibrary(db *gorm.DB, libraryID int64) ([]File, error) {
	var files []File
	if err := db.Where("library_id = ?", libraryID).Order("path").Find(&files).Error; err != nil {
		return nil, fmt.Errorf("listing files of library %d: %w", libraryID, err)
	}
	return files, nil
}

// UnidentifiedFiles lists the files not identified yet, oldest first: of one
// library, or of all when libraryID is 0. maxAttempts > 0 leaves out files
// that have failed that many times.
func UnidentifiedFiles(db *gorm.DB, libraryID int64, maxAttempts int) ([]File, error) {
	q := db.Where("identified = FALSE")
	if libraryID != 0 {
		q = q.Where("library_id = ?", libraryID)
	}
	if maxAttempts > 0 {
		q = q.Where("identification_attempts < ?", maxAttempts)
	}
	var files []File
	if err := q.Order("id").Find(&files).Error; err != nil {
		return nil, fmt.Errorf("listing unidentified files: %w", err)
	}
	return files, nil
}

// DeleteFile forgets one file; see DeleteFiles.
func DeleteFile(db *gorm.DB, id int64) error {
	_, err := DeleteFiles(db, []int64{id})
	return err
}

// DeleteFiles forgets the files with ids (unknown ids are skipped) and
// updates the ownership of the apps they held. It returns how many it
// deleted.
func DeleteFiles(db *gorm.DB, ids []int64) (int64, error) {
	var deleted int64
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := unlinkApps(tx, ids); err != nil {
			return err
		}
		return chunks(ids, func(part []int64) error {
			res := tx.Exec(`DELETE FROM files WHERE id IN ?`, part)
			deleted += res.RowsAffected
			return res.Error
		})
	})
	if err != nil {
		return 0, fmt.Errorf("deleting files: %w", err)
	}
	return deleted, nil
}

// missingPage is how many paths MissingFiles reads at a time: a library of
// 100,000 files read whole as File rows held some 60 MB at once, the
// worker's largest live heap of a first scan.
const missingPage = 1000

// MissingFiles lists the library's files for which exists returns false, by
// path. It reads the library's ids and paths a page at a time, by path,
// and calls exists once per file after its page is read (never with a
// statement open); only the missing files' rows are read whole.
func MissingFiles(db *gorm.DB, libraryID int64, exists func(path string) bool) ([]File, error) {
	var ids []int64
	page := make([]pathOfFile, 0, missingPage)
	after := ""
	for {
		var err error
		if page, err = pathsAfter(db, libraryID, after, page[:0]); err != nil {
			return nil, fmt.Errorf("listing missing files of library %d: %w", libraryID, err)
		}
		for _, f := range page {
			if !exists(f.path) {
				ids = append(ids, f.id)
			}
		}
		if len(page) < missingPage {
			break
		}
		after = page[len(page)-1].path
	}
	files, err := FilesByIDs(db, ids)
	if err != nil {
		return nil, err
	}
	order := make(map[int64]int, len(ids)) // ids are by path, in the database's collation
	for i, id := range ids {
		order[id] = i
	}
	slices.SortFunc(files, func(a, b File) int { return order[a.ID] - order[b.ID] })
	return files, nil
}

// pathOfFile is a file's id and path.
type pathOfFile struct {
	id   int64
	path string
}

// pathsAfter appends to page the next missingPage files of the library
// whose paths sort after after, by path.
func pathsAfter(db *gorm.DB, libraryID int64, after string, page []pathOfFile) ([]pathOfFile, error) {
	rows, err := db.Raw(`SELECT id, path FROM files WHERE library_id = ? AND path > ? ORDER BY path LIMIT ?`,
		libraryID, after, missingPage).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f pathOfFile
		if err := rows.Scan(&f.id, &f.path); err != nil {
			return nil, err
		}
		page = append(page, f)
	}
	return page, rows.Err()
}

// DeleteFilesNotIn forgets the library's files for which exists returns
// false (for a scan: the paths it did not see) and returns them.
func DeleteFilesNotIn(db *gorm.DB, libraryID int64, exists func(path string) bool) ([]File, error) {
	var missing []File
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		if missing, err = MissingFiles(tx, libraryID, exists); err != nil {
			return err
		}
		ids := make([]int64, len(missing))
		for i, f := range missing {
			ids[i] = f.ID
		}
		_, err = DeleteFiles(tx, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deleting missing files of library %d: %w", libraryID, err)
	}
	return missing, nil
}

// MoveFile records that the file now lives at newPath (the organizer moved
// it). Its identity, identification and apps stay.
func MoveFile(db *gorm.DB, fileID int64, newPath string) (File, error) {
	newPath = filepath.Clean(newPath)
	folder, name, ext := splitPath(newPath)
	var f File
	res := db.Raw(`UPDATE files SET path = ?, folder = ?, name = ?, extension = ?, updated_at = ?
		WHERE id = ? RETURNING *`, newPath, folder, name, ext, now(), fileID).Scan(&f)
	if res.Error != nil {
		return File{}, fmt.Errorf("moving file %d to %s: %w", fileID, newPath, res.Error)
	}
	if res.RowsAffected == 0 {
		return File{}, fmt.Errorf("moving file %d: %w", fileID, ErrNotFound)
	}
	return f, nil
}

// FilesByName lists every file by name (then id): the shop's listing.
func FilesByName(db *gorm.DB) ([]File, error) {
	var files []File
	if err := db.Order("name, id").Find(&files).Error; err != nil {
		return nil, fmt.Errorf("listing files: %w", err)
	}
	return files, nil
}

// FilesPage lists up to limit files newest first (by id), those with an id
// below before when before > 0, only the unidentified ones when asked.
func FilesPage(db *gorm.DB, before int64, limit int, unidentifiedOnly bool) ([]File, error) {
	q := db.Order("id DESC").Limit(limit)
	if unidentifiedOnly {
		q = q.Where("identified = FALSE")
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var files []File
	if err := q.Find(&files).Error; err != nil {
		return nil, fmt.Errorf("listing files: %w", err)
	}
	return files, nil
}

// Unidentified is a file that could not be identified, and why.
type Unidentified struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// UnidentifiedByPath lists the files not identified, by path, with the
// reason of their last failure.
func UnidentifiedByPath(db *gorm.DB) ([]Unidentified, error) {
	var out []Unidentified
	if err := db.Model(&File{}).Where("identified = FALSE").Order("path").
		Select("path, identification_error AS error").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("listing unidentified files: %w", err)
	}
	return out, nil
}

// RecordMove points the file's row at path, where the organizer moved it. A
// row another task created for path meanwhile (a scan or file event that saw
// the moved file) describes the same file and goes.
func RecordMove(db *gorm.DB, fileID int64, path string) error {
	return RecordMoves(db, []Move{{FileID: fileID, Path: path}})
}

// ScanState is what a scan compares a file on disk with: its row's size,
// modification time and identification state.
type ScanState struct {
	Size                   int64
	Mtime                  int64 // unix µs
	Identified             bool
	IdentificationAttempts int
}

// ScanStates maps each file path of the library to its ScanState: the few
// columns a scan needs, read row by row without GORM's reflection, since a
// rescan of an unchanged library is little more than this read and a walk.
func ScanStates(db *gorm.DB, libraryID int64) (map[string]ScanState, error) {
	rows, err := db.Raw(`SELECT path, size, mtime, identified, identification_attempts FROM files
		WHERE library_id = ?`, libraryID).Rows()
	if err != nil {
		return nil, fmt.Errorf("reading the files of library %d: %w", libraryID, err)
	}
	defer rows.Close()
	out := map[string]ScanState{}
	for rows.Next() {
		var path string
		var s ScanState
		if err := rows.Scan(&path, &s.Size, &s.Mtime, &s.Identified, &s.IdentificationAttempts); err != nil {
			return nil, fmt.Errorf("reading the files of library %d: %w", libraryID, err)
		}
		out[path] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the files of library %d: %w", libraryID, err)
	}
	return out, nil
}

// ScanState returns the part of the row a scan compares.
func (f File) ScanState() ScanState {
	return ScanState{Size: f.Size, Mtime: f.Mtime, Identified: f.Identified, IdentificationAttempts: f.IdentificationAttempts}
}
