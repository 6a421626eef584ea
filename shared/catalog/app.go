package catalog

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// UpsertApp creates the app if it is new (not owned) or updates its type and
// title. Ownership is not touched: it follows from the files that hold it.
func UpsertApp(db *gorm.DB, a AppRef) (App, error) {
	a.AppID, a.TitleID = strings.ToUpper(a.AppID), strings.ToUpper(a.TitleID)
	if err := validateApp(a); err != nil {
		return App{}, fmt.Errorf("upserting app: %w", err)
	}
	var app App
	err := db.Raw(`INSERT INTO apps (app_id, version, type, owned, title_id) VALUES (?, ?, ?, FALSE, ?)
		ON CONFLICT (app_id, version) DO UPDATE SET type = excluded.type, title_id = excluded.title_id
		RETURNING *`, a.AppID, a.Version, a.Type, a.TitleID).Scan(&app).Error
	if err != nil {
		return App{}, fmt.Errorf("upserting app %s v%d: %w", a.AppID, a.Version, err)
	}
	return app, nil
}

// EnsureMissingApps adds not-owned rows for what the title database says
// exists for titleID; see AddMissingApps.
func EnsureMissingApps(db *gorm.DB, titleID string, updateVersions []int, dlcLatest map[string]int) error {
	_, err := AddMissingApps(db, []KnownApps{{TitleID: titleID, UpdateVersions: updateVersions, DLCLatest: dlcLatest}})
	return err
}

// RecomputeOwnership sets every app's owned flag from file_apps. The catalog
// keeps the flags in step itself; this repairs them after outside changes.
func RecomputeOwnership(db *gorm.DB) error {
	err := db.Exec(`UPDATE apps SET owned = EXISTS (SELECT 1 FROM file_apps fa WHERE fa.app_id = apps.id)
		WHERE owned <> EXISTS (SELECT 1 FROM file_apps fa WHERE fa.app_id = apps.id)`).Error
	if err != nil {
		return fmt.Errorf("recomputing ownership: %w", err)
	}
	return nil
}

// refreshOwnership sets the owned flag of the apps with the given row ids.
func refreshOwnership(tx *gorm.DB, appRowIDs []int64) error {
	return chunks(appRowIDs, func(part []int64) error {
		return tx.Exec(`UPDATE apps SET owned = EXISTS (SELECT 1 FROM file_apps fa WHERE fa.app_id = apps.id)
			WHERE id IN ?`, part).Error
	})
}

// AppsOfTitle lists every app known of a title, owned or not, by type, app
// id and version.
func AppsOfTitle(db *gorm.DB, titleID string) ([]App, error) {
	var apps []App
	if err := db.Where("title_id = ?", titleID).Order("type, app_id, version").Find(&apps).Error; err != nil {
		return nil, fmt.Errorf("listing apps of title %s: %w", titleID, err)
	}
	return apps, nil
}

// AppsOfTitles lists the apps of the given titles by title, app id and
// version.
func AppsOfTitles(db *gorm.DB, titleIDs []string) ([]App, error) {
	var apps []App
	if len(titleIDs) == 0 {
		return nil, nil
	}
	if err := db.Where("title_id IN ?", titleIDs).Order("title_id, app_id, version").Find(&apps).Error; err != nil {
		return nil, fmt.Errorf("listing apps: %w", err)
	}
	return apps, nil
}

// OwnedTitleIDs lists the ids of the titles some file holds an app of.
func OwnedTitleIDs(db *gorm.DB) ([]string, error) {
	var ids []string
	if err := db.Model(&App{}).Where("owned = TRUE").Distinct("title_id").
		Order("title_id").Pluck("title_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("listing owned titles: %w", err)
	}
	return ids, nil
}

// AppsByFile maps each identified file (of one library, or of all when
// libraryID is 0) to the apps it holds, by app id and version.
func AppsByFile(db *gorm.DB, libraryID int64) (map[int64][]App, error) {
	var rows []struct {
		FileID int64
		App
	}
	q := `SELECT fa.file_id, a.id, a.app_id, a.version, a.type, a.owned, a.title_id FROM file_apps fa JOIN apps a ON a.id = fa.app_id`
	var args []any
	if libraryID != 0 {
		q += ` JOIN files f ON f.id = fa.file_id WHERE f.library_id = ?`
		args = append(args, libraryID)
	}
	if err := db.Raw(q+` ORDER BY fa.file_id, a.app_id, a.version`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the apps of library %d's files: %w", libraryID, err)
	}
	out := map[int64][]App{}
	for _, r := range rows {
		out[r.FileID] = append(out[r.FileID], r.App)
	}
	return out, nil
}

// PathsOfTitles maps the row id of each app of the given titles to the
// paths of the files holding it, by path.
func PathsOfTitles(db *gorm.DB, titleIDs []string) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(titleIDs) == 0 {
		return out, nil
	}
	var links []struct {
		AppID int64
		Path  string
	}
	if err := db.Raw(`SELECT fa.app_id, f.path FROM file_apps fa JOIN files f ON f.id = fa.file_id
		JOIN apps a ON a.id = fa.app_id WHERE a.title_id IN ? ORDER BY f.path`, titleIDs).Scan(&links).Error; err != nil {
		return nil, fmt.Errorf("reading the files of apps: %w", err)
	}
	for _, l := range links {
		out[l.AppID] = append(out[l.AppID], l.Path)
	}
	return out, nil
}
