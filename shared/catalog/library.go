package catalog

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"gorm.io/gorm"
)

// EnsureLibrary returns the library at path, creating it if needed. path
// must be absolute; it is stored cleaned.
func EnsureLibrary(db *gorm.DB, path string) (Library, error) {
	if !filepath.IsAbs(path) {
		return Library{}, fmt.Errorf("ensuring library %q: path is not absolute", path)
	}
	path = filepath.Clean(path)
	if err := db.Exec(`INSERT INTO libraries (path) VALUES (?) ON CONFLICT (path) DO NOTHING`, path).Error; err != nil {
		return Library{}, fmt.Errorf("ensuring library %s: %w", path, err)
	}
	return LibraryByPath(db, path)
}

// Libraries lists every library by path.
func Libraries(db *gorm.DB) ([]Library, error) {
	var libs []Library
	if err := db.Order("path").Find(&libs).Error; err != nil {
		return nil, fmt.Errorf("listing libraries: %w", err)
	}
	return libs, nil
}

// MarkLibraryScanned records that a scan of the library finished at at.
func MarkLibraryScanned(db *gorm.DB, libraryID int64, at time.Time) error {
	res := db.Exec(`UPDATE libraries SET last_scan_at = ? WHERE id = ?`, at.UnixMicro(), libraryID)
	if res.Error != nil {
		return fmt.Errorf("marking library %d scanned: %w", libraryID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("marking library %d scanned: %w", libraryID, ErrNotFound)
	}
	return nil
}

// RemoveLibrary forgets the library at path with its files, and the titles
// nothing owns any more. Files on disk are not touched. Removing an unknown
// library is not an error.
func RemoveLibrary(db *gorm.DB, path string) error {
	path = filepath.Clean(path)
	err := db.Transaction(func(tx *gorm.DB) error {
		var lib Library
		err := tx.Where("path = ?", path).Take(&lib).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var appIDs []int64
		if err := tx.Raw(`SELECT DISTINCT fa.app_id FROM file_apps fa JOIN files f ON f.id = fa.file_id
			WHERE f.library_id = ?`, lib.ID).Scan(&appIDs).Error; err != nil {
			return err
		}
		// files and file_apps go by cascade.
		if err := tx.Exec(`DELETE FROM libraries WHERE id = ?`, lib.ID).Error; err != nil {
			return err
		}
		if err := refreshOwnership(tx, appIDs); err != nil {
			return err
		}
		_, err = DeleteTitlesWithNothingOwned(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("removing library %s: %w", path, err)
	}
	return nil
}

// LibraryByPath returns the library at path (absolute, compared cleaned).
func LibraryByPath(db *gorm.DB, path string) (Library, error) {
	return takeLibrary(db, "path = ?", filepath.Clean(path))
}

// LibraryByID returns the library with id.
func LibraryByID(db *gorm.DB, id int64) (Library, error) {
	return takeLibrary(db, "id = ?", id)
}

func takeLibrary(db *gorm.DB, where string, key any) (Library, error) {
	var lib Library
	err := db.Where(where, key).Take(&lib).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Library{}, fmt.Errorf("library %v: %w", key, ErrNotFound)
	}
	if err != nil {
		return Library{}, fmt.Errorf("reading library %v: %w", key, err)
	}
	return lib, nil
}
