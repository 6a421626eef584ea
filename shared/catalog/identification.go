package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/identify"
)

// RecordIdentification records that the file holds apps, found by method,
// with note telling what the user should know of it ("" for nothing: see
// File.IdentificationNote). The apps become owned (created if new), the
// file's previous apps are replaced, and each app's title gets a titles row
// if it has none.
func RecordIdentification(db *gorm.DB, fileID int64, apps []AppRef, method, note string) error {
	apps, err := normalizeApps(apps)
	if err != nil {
		return fmt.Errorf("recording identification of file %d: %w", fileID, err)
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE files SET identified = TRUE, identification_method = ?, identification_error = '',
			identification_note = ?, identification_attempts = identification_attempts + 1, updated_at = ? WHERE id = ?`,
			method, note, now(), fileID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		old, err := deleteLinks(tx, []int64{fileID})
		if err != nil {
			return err
		}
		ids, err := upsertOwnedApps(tx, apps)
		if err != nil {
			return err
		}
		if err := linkApps(tx, fileID, ids, method); err != nil {
			return err
		}
		// Apps the file held before and holds no more may have lost their owner.
		old = slices.DeleteFunc(old, func(id int64) bool { return slices.Contains(ids, id) })
		if err := refreshOwnership(tx, old); err != nil {
			return err
		}
		return ensureTitles(tx, apps)
	})
	if err != nil {
		return fmt.Errorf("recording identification of file %d: %w", fileID, err)
	}
	return nil
}

// RecordIdentificationFailure records a failed identification attempt with
// its reason (e.g. "unidentifiable: no [app id] in file name"). The file holds
// no apps until a later attempt succeeds.
func RecordIdentificationFailure(db *gorm.DB, fileID int64, reason string) error {
	err := db.Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE files SET identified = FALSE, identification_method = '', identification_error = ?, identification_note = '',
			identification_attempts = identification_attempts + 1, updated_at = ? WHERE id = ?`, reason, now(), fileID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return unlinkApps(tx, []int64{fileID})
	})
	if err != nil {
		return fmt.Errorf("recording identification failure of file %d: %w", fileID, err)
	}
	return nil
}

// AppsOfFile lists the apps a file holds.
func AppsOfFile(db *gorm.DB, fileID int64) ([]App, error) {
	var apps []App
	err := db.Raw(`SELECT a.* FROM apps a JOIN file_apps fa ON fa.app_id = a.id
		WHERE fa.file_id = ? ORDER BY a.app_id, a.version`, fileID).Scan(&apps).Error
	if err != nil {
		return nil, fmt.Errorf("listing apps of file %d: %w", fileID, err)
	}
	return apps, nil
}

// normalizeApps upper-cases ids, checks them and drops duplicates.
func normalizeApps(apps []AppRef) ([]AppRef, error) {
	if len(apps) == 0 {
		return nil, errors.New("no apps")
	}
	out := make([]AppRef, 0, len(apps))
	for _, a := range apps {
		a.AppID, a.TitleID = strings.ToUpper(a.AppID), strings.ToUpper(a.TitleID)
		if err := validateApp(a); err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(b AppRef) bool { return b.AppID == a.AppID && b.Version == a.Version }) {
			out = append(out, a)
		}
	}
	return out, nil
}

func validateApp(a AppRef) error {
	switch {
	case !identify.IsAppID(a.AppID):
		return fmt.Errorf("invalid app id %q", a.AppID)
	case !identify.IsAppID(a.TitleID):
		return fmt.Errorf("app %s: invalid title id %q", a.AppID, a.TitleID)
	case !validType(a.Type):
		return fmt.Errorf("app %s: invalid type %q", a.AppID, a.Type)
	case a.Version < 0:
		return fmt.Errorf("app %s: negative version %d", a.AppID, a.Version)
	}
	return nil
}

// upsertOwnedApps inserts or updates apps as owned in one statement and
// returns their row ids.
func upsertOwnedApps(tx *gorm.DB, apps []AppRef) ([]int64, error) {
	values := make([]string, len(apps))
	args := make([]any, 0, 4*len(apps))
	for i, a := range apps {
		values[i] = "(?, ?, ?, TRUE, ?)"
		args = append(args, a.AppID, a.Version, a.Type, a.TitleID)
	}
	var ids []int64
	err := tx.Raw(`INSERT INTO apps (app_id, version, type, owned, title_id) VALUES `+strings.Join(values, ", ")+`
		ON CONFLICT (app_id, version) DO UPDATE SET type = excluded.type, title_id = excluded.title_id, owned = TRUE
		RETURNING id`, args...).Scan(&ids).Error
	return ids, err
}

func linkApps(tx *gorm.DB, fileID int64, appIDs []int64, method string) error {
	values := make([]string, len(appIDs))
	args := make([]any, 0, 3*len(appIDs))
	for i, id := range appIDs {
		values[i] = "(?, ?, ?)"
		args = append(args, fileID, id, method)
	}
	return tx.Exec(`INSERT INTO file_apps (file_id, app_id, method) VALUES `+strings.Join(values, ", ")+`
		ON CONFLICT DO NOTHING`, args...).Error
}

// deleteLinks removes the file_apps rows of the files and returns the app
// row ids they pointed at.
func deleteLinks(tx *gorm.DB, fileIDs []int64) ([]int64, error) {
	var appIDs []int64
	err := chunks(fileIDs, func(part []int64) error {
		var ids []int64
		if err := tx.Raw(`DELETE FROM file_apps WHERE file_id IN ? RETURNING app_id`, part).Scan(&ids).Error; err != nil {
			return err
		}
		appIDs = append(appIDs, ids...)
		return nil
	})
	slices.Sort(appIDs)
	return slices.Compact(appIDs), err
}

// unlinkApps removes the files' apps and updates those apps' ownership.
func unlinkApps(tx *gorm.DB, fileIDs []int64) error {
	appIDs, err := deleteLinks(tx, fileIDs)
	if err != nil {
		return err
	}
	return refreshOwnership(tx, appIDs)
}

// ensureTitles creates a titles row for each app's title that has none.
func ensureTitles(tx *gorm.DB, apps []AppRef) error {
	var values []string
	var args []any
	for _, a := range apps {
		if !slices.Contains(args, any(a.TitleID)) {
			values = append(values, "(?)")
			args = append(args, a.TitleID)
		}
	}
	return tx.Exec(`INSERT INTO titles (title_id) VALUES `+strings.Join(values, ", ")+`
		ON CONFLICT (title_id) DO NOTHING`, args...).Error
}

// NotedFile is an identified file with an identification note, and the
// title of one of its apps.
type NotedFile struct {
	TitleID string
	Path    string
	Note    string
}

// NotedFilesByTitle lists the identified files that carry a note (see
// File.IdentificationNote), by title then path.
func NotedFilesByTitle(db *gorm.DB) ([]NotedFile, error) {
	var out []NotedFile
	err := db.Raw(`SELECT DISTINCT a.title_id, f.path, f.identification_note AS note
		FROM files f JOIN file_apps fa ON fa.file_id = f.id JOIN apps a ON a.id = fa.app_id
		WHERE f.identified = TRUE AND f.identification_note <> '' ORDER BY a.title_id, f.path`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing noted files: %w", err)
	}
	return out, nil
}
