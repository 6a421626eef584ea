package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/identify"
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
// exists for titleID: the base game (version 0, unless some base row exists),
// each update version in updateVersions (of identify.UpdateAppID(titleID);
// versions <= 0 are skipped) and each DLC of dlcLatest at its latest version.
// Existing rows are left as they are.
func EnsureMissingApps(db *gorm.DB, titleID string, updateVersions []int, dlcLatest map[string]int) error {
	titleID = strings.ToUpper(titleID)
	if !identify.IsAppID(titleID) {
		return fmt.Errorf("ensuring apps: invalid title id %q", titleID)
	}
	values := []string{}
	args := []any{}
	add := func(appID string, version int, kind string) {
		values = append(values, "(?, ?, ?, FALSE, ?)")
		args = append(args, appID, version, kind, titleID)
	}
	updateID := identify.UpdateAppID(titleID)
	for _, v := range updateVersions {
		if v > 0 {
			add(updateID, v, identify.TypeUpdate)
		}
	}
	for _, dlc := range slices.Sorted(maps.Keys(dlcLatest)) {
		id := strings.ToUpper(dlc)
		if !identify.IsAppID(id) || dlcLatest[dlc] < 0 {
			return fmt.Errorf("ensuring apps of %s: invalid dlc %q v%d", titleID, dlc, dlcLatest[dlc])
		}
		add(id, dlcLatest[dlc], identify.TypeDLC)
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO apps (app_id, version, type, owned, title_id)
			SELECT ?, 0, 'base', FALSE, ?
			WHERE NOT EXISTS (SELECT 1 FROM apps WHERE title_id = ? AND type = 'base')`,
			titleID, titleID, titleID).Error; err != nil {
			return err
		}
		if len(values) == 0 {
			return nil
		}
		return tx.Exec(`INSERT INTO apps (app_id, version, type, owned, title_id) VALUES `+
			strings.Join(values, ", ")+` ON CONFLICT (app_id, version) DO NOTHING`, args...).Error
	})
	if err != nil {
		return fmt.Errorf("ensuring apps of %s: %w", titleID, err)
	}
	return nil
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
