package titledb

import (
	"encoding/json"
	"io"
	"strconv"
)

// titleRecord is one entry of titles.<REGION>.<lang>.json. Fields this
// package does not expose (screenshots, ratings, ...) are skipped by the
// decoder without being stored.
type titleRecord struct {
	ID          text     `json:"id"`
	NsuID       number   `json:"nsuId"`
	Name        text     `json:"name"`
	Publisher   text     `json:"publisher"`
	Developer   text     `json:"developer"`
	Description text     `json:"description"`
	BannerURL   text     `json:"bannerUrl"`
	IconURL     text     `json:"iconUrl"`
	Category    textList `json:"category"`
	ReleaseDate text     `json:"releaseDate"`
	Version     number   `json:"version"`
	Size        number   `json:"size"`
	RightsID    text     `json:"rightsId"`
}

// parseTitles reads a titles file. Entries without a valid id (titledb lists
// bundles and unreleased titles with "id": null) are skipped. When several
// entries share an id (one per eShop listing) the first one with a name wins.
func parseTitles(r io.Reader, name string, limit int64) (map[string]Title, error) {
	titles := make(map[string]Title)
	err := decodeObject(newLimitedReader(r, limit), func(key string, dec *json.Decoder) error {
		var rec titleRecord
		if skip, err := decodeValue(dec, &rec); skip || err != nil {
			return err
		}
		id, ok := NormalizeID(string(rec.ID))
		if !ok {
			return nil
		}
		if old, seen := titles[id]; seen && (old.Name != "" || rec.Name == "") {
			return nil
		}
		t := Title{
			ID:          id,
			NsuID:       int64(rec.NsuID),
			Name:        string(rec.Name),
			Publisher:   string(rec.Publisher),
			Developer:   string(rec.Developer),
			Description: string(rec.Description),
			BannerURL:   string(rec.BannerURL),
			IconURL:     string(rec.IconURL),
			Categories:  []string(rec.Category),
			ReleaseDate: releaseDate(rec.ReleaseDate),
			Version:     max(int(rec.Version), 0),
			Size:        max(int64(rec.Size), 0),
			RightsID:    string(rec.RightsID),
		}
		if t.NsuID == 0 {
			// The key is the nsuId for most entries; keep it when the field
			// is missing.
			t.NsuID, _ = strconv.ParseInt(key, 10, 64)
		}
		titles[id] = t
		return nil
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	return titles, nil
}

type cnmtRecord struct {
	TitleType          number `json:"titleType"`
	OtherApplicationID text   `json:"otherApplicationId"`
}

// parseCnmts reads cnmts.json into app id → version → AppInfo. Entries with
// an invalid id or version, or a meta type that is not an application,
// patch or add-on, are skipped.
func parseCnmts(r io.Reader, name string, limit int64) (map[string]map[int]AppInfo, error) {
	apps := make(map[string]map[int]AppInfo)
	err := decodeObject(newLimitedReader(r, limit), func(key string, dec *json.Decoder) error {
		var byVersion map[string]cnmtRecord
		if skip, err := decodeValue(dec, &byVersion); skip || err != nil {
			return err
		}
		appID, ok := NormalizeID(key)
		if !ok {
			return nil
		}
		for vkey, rec := range byVersion {
			version, ok := parseVersionKey(vkey)
			if !ok {
				continue
			}
			info, ok := appInfo(appID, rec)
			if !ok {
				continue
			}
			if apps[appID] == nil {
				apps[appID] = make(map[int]AppInfo)
			}
			apps[appID][version] = info
		}
		return nil
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	return apps, nil
}

// appInfo resolves an app's base title. For a base application
// otherApplicationId names its update, so the base is the app itself.
func appInfo(appID string, rec cnmtRecord) (AppInfo, bool) {
	kind, ok := kindFromMeta(int64(rec.TitleType))
	if !ok {
		return AppInfo{}, false
	}
	if kind == KindBase {
		return AppInfo{Type: kind, TitleID: appID}, true
	}
	if base, ok := NormalizeID(string(rec.OtherApplicationID)); ok && base != appID {
		return AppInfo{Type: kind, TitleID: base}, true
	}
	if _, base := deriveBase(appID); base != "" && base != appID {
		return AppInfo{Type: kind, TitleID: base}, true
	}
	return AppInfo{}, false
}

// parseVersions reads versions.json into title id → version → release date.
// Keys that are update ids are stored under their base title (see titleKey).
func parseVersions(r io.Reader, name string, limit int64) (map[string]map[int]string, error) {
	versions := make(map[string]map[int]string)
	err := decodeObject(newLimitedReader(r, limit), func(key string, dec *json.Decoder) error {
		var dates map[string]text
		if skip, err := decodeValue(dec, &dates); skip || err != nil {
			return err
		}
		id, ok := NormalizeID(key)
		if !ok {
			return nil
		}
		id = titleKey(id)
		for vkey, date := range dates {
			version, ok := parseVersionKey(vkey)
			if !ok {
				continue
			}
			if versions[id] == nil {
				versions[id] = make(map[int]string)
			}
			versions[id][version] = releaseDate(date)
		}
		return nil
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	return versions, nil
}
