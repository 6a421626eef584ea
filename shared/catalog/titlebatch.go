package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/identify"
)

// The chain's title steps in batches: one read of the apps (or titles) of
// up to chunkSize titles, then one multi-row statement per rowBatch rows
// that change. A rescan of an unchanged library writes nothing here.

// KnownApps is what the title database says exists of one title: its update
// versions and each DLC at its latest version.
type KnownApps struct {
	TitleID        string
	UpdateVersions []int
	DLCLatest      map[string]int
}

// AddMissingApps adds not-owned rows for what the title database says
// exists of each title: the base game (version 0, unless some base row of
// the title exists), each update version (of identify.UpdateAppID; versions
// <= 0 are skipped) and each DLC at its latest version. Existing rows are
// left as they are. It returns how many rows it added.
func AddMissingApps(db *gorm.DB, known []KnownApps) (int, error) {
	for i := range known {
		known[i].TitleID = strings.ToUpper(known[i].TitleID)
		if !identify.IsAppID(known[i].TitleID) {
			return 0, fmt.Errorf("adding missing apps: invalid title id %q", known[i].TitleID)
		}
	}
	added := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(known); start += chunkSize {
			n, err := addMissingApps(tx, known[start:min(start+chunkSize, len(known))])
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("adding missing apps of %d titles: %w", len(known), err)
	}
	return added, nil
}

func addMissingApps(tx *gorm.DB, known []KnownApps) (int, error) {
	titleIDs := make([]string, len(known))
	for i, k := range known {
		titleIDs[i] = k.TitleID
	}
	var existing []App
	if err := tx.Where("title_id IN ?", titleIDs).Find(&existing).Error; err != nil {
		return 0, err
	}
	have := map[rowKey]bool{}
	hasBase := map[string]bool{}
	for _, a := range existing {
		have[rowKey{a.AppID, a.Version}] = true
		if a.Type == identify.TypeBase {
			hasBase[a.TitleID] = true
		}
	}
	var missing []App
	add := func(appID string, version int, kind, titleID string) {
		if !have[rowKey{appID, version}] {
			have[rowKey{appID, version}] = true
			missing = append(missing, App{AppID: appID, Version: version, Type: kind, TitleID: titleID})
		}
	}
	for _, k := range known {
		if !hasBase[k.TitleID] {
			add(k.TitleID, 0, identify.TypeBase, k.TitleID)
		}
		updateID := identify.UpdateAppID(k.TitleID)
		for _, v := range k.UpdateVersions {
			if v > 0 {
				add(updateID, v, identify.TypeUpdate, k.TitleID)
			}
		}
		for _, dlc := range slices.Sorted(maps.Keys(k.DLCLatest)) {
			id := strings.ToUpper(dlc)
			if !identify.IsAppID(id) || k.DLCLatest[dlc] < 0 {
				return 0, fmt.Errorf("title %s: invalid dlc %q v%d", k.TitleID, dlc, k.DLCLatest[dlc])
			}
			add(id, k.DLCLatest[dlc], identify.TypeDLC, k.TitleID)
		}
	}
	added := 0
	for start := 0; start < len(missing); start += rowBatch {
		part := missing[start:min(start+rowBatch, len(missing))]
		values := make([]string, len(part))
		args := make([]any, 0, 4*len(part))
		for i, a := range part {
			values[i] = "(?, ?, ?, FALSE, ?)"
			args = append(args, a.AppID, a.Version, a.Type, a.TitleID)
		}
		res := tx.Exec(`INSERT INTO apps (app_id, version, type, owned, title_id) VALUES `+strings.Join(values, ", ")+`
			ON CONFLICT (app_id, version) DO NOTHING`, args...)
		if res.Error != nil {
			return 0, res.Error
		}
		added += int(res.RowsAffected)
	}
	return added, nil
}

// TitleFacts is what the title database knows of one title.
type TitleFacts struct {
	TitleID string
	// Known is false for a title the title database does not name: its
	// name and images are left as they are.
	Known                    bool
	Name, IconURL, BannerURL string
	// LatestVersion and DLCLatest are as UpdateTitleFlags takes them.
	LatestVersion int
	DLCLatest     map[string]int
}

// RefreshTitles sets each title's name and images (when known) and its
// flags (the rule of UpdateTitleFlags) from the apps owned now, creating
// rows as needed, and writes only the rows that change. It returns how
// many changed.
func RefreshTitles(db *gorm.DB, facts []TitleFacts) (int, error) {
	for i := range facts {
		facts[i].TitleID = strings.ToUpper(facts[i].TitleID)
		if !identify.IsAppID(facts[i].TitleID) {
			return 0, fmt.Errorf("refreshing titles: invalid title id %q", facts[i].TitleID)
		}
	}
	changed := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(facts); start += chunkSize {
			n, err := refreshTitles(tx, facts[start:min(start+chunkSize, len(facts))])
			if err != nil {
				return err
			}
			changed += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("refreshing %d titles: %w", len(facts), err)
	}
	return changed, nil
}

func refreshTitles(tx *gorm.DB, facts []TitleFacts) (int, error) {
	titleIDs := make([]string, len(facts))
	for i, f := range facts {
		titleIDs[i] = f.TitleID
	}
	var current []Title
	if err := tx.Where("title_id IN ?", titleIDs).Find(&current).Error; err != nil {
		return 0, err
	}
	byID := make(map[string]Title, len(current))
	for _, t := range current {
		byID[t.TitleID] = t
	}
	var owned []App
	if err := tx.Where("title_id IN ? AND owned = TRUE", titleIDs).Find(&owned).Error; err != nil {
		return 0, err
	}
	ownedBy := map[string][]App{}
	for _, a := range owned {
		ownedBy[a.TitleID] = append(ownedBy[a.TitleID], a)
	}
	var writes []Title
	for _, f := range facts {
		old, exists := byID[f.TitleID]
		t := old
		t.TitleID = f.TitleID
		if f.Known {
			t.Name, t.IconURL, t.BannerURL = f.Name, f.IconURL, f.BannerURL
		}
		t.HasBase, t.UpToDate, t.Complete = titleFlags(ownedBy[f.TitleID], f.LatestVersion, f.DLCLatest)
		if !exists || t != old {
			writes = append(writes, t)
		}
	}
	for start := 0; start < len(writes); start += rowBatch {
		part := writes[start:min(start+rowBatch, len(writes))]
		values := make([]string, len(part))
		args := make([]any, 0, 7*len(part))
		for i, t := range part {
			values[i] = "(?, ?, ?, ?, ?, ?, ?)"
			args = append(args, t.TitleID, t.Name, t.IconURL, t.BannerURL, t.HasBase, t.UpToDate, t.Complete)
		}
		if err := tx.Exec(`INSERT INTO titles (title_id, name, icon_url, banner_url, has_base, up_to_date, complete)
			VALUES `+strings.Join(values, ", ")+`
			ON CONFLICT (title_id) DO UPDATE SET name = excluded.name, icon_url = excluded.icon_url,
				banner_url = excluded.banner_url, has_base = excluded.has_base, up_to_date = excluded.up_to_date,
				complete = excluded.complete`, args...).Error; err != nil {
			return 0, err
		}
	}
	return len(writes), nil
}
