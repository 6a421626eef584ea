package catalog

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/identify"
)

// UpsertTitle sets a title's name and images, creating the row if needed.
// Its flags are left to UpdateTitleFlags.
func UpsertTitle(db *gorm.DB, titleID, name, iconURL, bannerURL string) error {
	titleID = strings.ToUpper(titleID)
	if !identify.IsAppID(titleID) {
		return fmt.Errorf("upserting title: invalid title id %q", titleID)
	}
	err := db.Exec(`INSERT INTO titles (title_id, name, icon_url, banner_url) VALUES (?, ?, ?, ?)
		ON CONFLICT (title_id) DO UPDATE SET name = excluded.name, icon_url = excluded.icon_url,
			banner_url = excluded.banner_url`, titleID, name, iconURL, bannerURL).Error
	if err != nil {
		return fmt.Errorf("upserting title %s: %w", titleID, err)
	}
	return nil
}

// TitleByTitleID returns the title with the 16 digit id titleID.
func TitleByTitleID(db *gorm.DB, titleID string) (Title, error) {
	titleID = strings.ToUpper(titleID)
	var t Title
	err := db.Where("title_id = ?", titleID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Title{}, fmt.Errorf("title %s: %w", titleID, ErrNotFound)
	}
	if err != nil {
		return Title{}, fmt.Errorf("reading title %s: %w", titleID, err)
	}
	return t, nil
}

// UpdateTitleFlags computes a title's flags from its owned apps and stores
// them (creating the row if needed):
//   - HasBase: a base game is owned;
//   - UpToDate: a base game or update is owned and the highest owned version
//     is at least latestVersion (the highest version the title database
//     knows; 0 when there are no updates);
//   - Complete: every DLC in dlcLatest (app id -> latest version) is owned at
//     that version or a later one; true when the title has no DLC.
func UpdateTitleFlags(db *gorm.DB, titleID string, latestVersion int, dlcLatest map[string]int) (Title, error) {
	titleID = strings.ToUpper(titleID)
	if !identify.IsAppID(titleID) {
		return Title{}, fmt.Errorf("updating title flags: invalid title id %q", titleID)
	}
	var owned []App
	if err := db.Where("title_id = ? AND owned = TRUE", titleID).Find(&owned).Error; err != nil {
		return Title{}, fmt.Errorf("updating flags of %s: %w", titleID, err)
	}
	hasBase, upToDate, complete := titleFlags(owned, latestVersion, dlcLatest)
	var t Title
	err := db.Raw(`INSERT INTO titles (title_id, has_base, up_to_date, complete) VALUES (?, ?, ?, ?)
		ON CONFLICT (title_id) DO UPDATE SET has_base = excluded.has_base, up_to_date = excluded.up_to_date,
			complete = excluded.complete
		RETURNING *`, titleID, hasBase, upToDate, complete).Scan(&t).Error
	if err != nil {
		return Title{}, fmt.Errorf("updating flags of %s: %w", titleID, err)
	}
	return t, nil
}

// titleFlags is UpdateTitleFlags' rule on a title's owned apps.
func titleFlags(owned []App, latestVersion int, dlcLatest map[string]int) (hasBase, upToDate, complete bool) {
	highest := -1
	dlcOwned := map[string]int{}
	for _, a := range owned {
		switch a.Type {
		case identify.TypeBase:
			hasBase = true
			highest = max(highest, a.Version)
		case identify.TypeUpdate:
			highest = max(highest, a.Version)
		case identify.TypeDLC:
			if v, ok := dlcOwned[a.AppID]; !ok || a.Version > v {
				dlcOwned[a.AppID] = a.Version
			}
		}
	}
	upToDate = highest >= 0 && highest >= latestVersion
	complete = true
	for id, latest := range dlcLatest {
		if v, ok := dlcOwned[strings.ToUpper(id)]; !ok || v < latest {
			complete = false
			break
		}
	}
	return hasBase, upToDate, complete
}

// DeleteTitlesWithNothingOwned removes the titles of which no app is owned,
// with their not-owned app rows, and returns how many titles went.
func DeleteTitlesWithNothingOwned(db *gorm.DB) (int64, error) {
	var deleted int64
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM apps WHERE owned = FALSE
			AND NOT EXISTS (SELECT 1 FROM apps o WHERE o.title_id = apps.title_id AND o.owned = TRUE)
			AND NOT EXISTS (SELECT 1 FROM file_apps fa WHERE fa.app_id = apps.id)`).Error; err != nil {
			return err
		}
		res := tx.Exec(`DELETE FROM titles WHERE NOT EXISTS
			(SELECT 1 FROM apps WHERE apps.title_id = titles.title_id AND apps.owned = TRUE)`)
		deleted = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("deleting titles with nothing owned: %w", err)
	}
	return deleted, nil
}

// TitleIDs lists the ids of every title of the catalog.
func TitleIDs(db *gorm.DB) ([]string, error) {
	var ids []string
	if err := db.Model(&Title{}).Order("title_id").Pluck("title_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("listing titles: %w", err)
	}
	return ids, nil
}

// TitleIDsByName lists the ids of every title in the order the library
// index shows them: by name, then id. With TitlesByID it reads a large
// catalog a page at a time.
func TitleIDsByName(db *gorm.DB) ([]string, error) {
	var ids []string
	if err := db.Model(&Title{}).Order("name, title_id").Pluck("title_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("listing titles: %w", err)
	}
	return ids, nil
}

// TitlesByID reads the titles with the given ids, in no particular order;
// ids no title has are left out.
func TitlesByID(db *gorm.DB, titleIDs []string) ([]Title, error) {
	var titles []Title
	if len(titleIDs) == 0 {
		return nil, nil
	}
	if err := db.Where("title_id IN ?", titleIDs).Find(&titles).Error; err != nil {
		return nil, fmt.Errorf("reading titles: %w", err)
	}
	return titles, nil
}
