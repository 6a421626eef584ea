package titledb

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
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
	// IDs lists every app an eShop listing sells: a bundle of DLC names
	// several, and its "id" is one of them.
	IDs textList `json:"ids"`
}

// parseTitles reads a titles file. Entries without a valid id (titledb lists
// unreleased titles with "id": null) are skipped. When several entries share
// an id (one per eShop listing) the first one with a name wins. The apps of
// an "ids" list (DLC sold in a bundle) that have no entry of their own get
// the bundle's.
func parseTitles(r io.Reader, name string, limit int64) (map[string]Title, error) {
	titles := make(map[string]Title)
	bundled := make(map[string]Title)
	err := decodeObject(newLimitedReader(r, limit), func(key string, dec *json.Decoder) error {
		var rec titleRecord
		if skip, err := decodeValue(dec, &rec); skip || err != nil {
			return err
		}
		t := Title{
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
		ownID, hasID := NormalizeID(string(rec.ID))
		if hasID {
			keepFirstNamed(titles, ownID, t)
		}
		for _, raw := range rec.IDs {
			if id, ok := NormalizeID(raw); ok && id != ownID {
				keepFirstNamed(bundled, id, t)
			}
		}
		return nil
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	for id, t := range bundled {
		if _, own := titles[id]; !own {
			titles[id] = t
		}
	}
	return titles, nil
}

// keepFirstNamed stores t under id unless an entry with a name is there.
func keepFirstNamed(titles map[string]Title, id string, t Title) {
	if old, seen := titles[id]; seen && (old.Name != "" || t.Name == "") {
		return
	}
	t.ID = id
	titles[id] = t
}

type cnmtRecord struct {
	TitleType          number `json:"titleType"`
	OtherApplicationID text   `json:"otherApplicationId"`
}

// appVersion is one version of an app as cnmts.json lists it.
type appVersion struct {
	version int
	info    AppInfo
}

// appVersions are an app's versions, ascending. A slice, not a map per
// app: a titledb lists most apps at one version, and 100,000 maps of one
// entry held ~45 MB where these hold ~10 (the worker keeps the titledb
// loaded while it scans).
type appVersions []appVersion

// at returns the entry for exactly version.
func (vs appVersions) at(version int) (AppInfo, bool) {
	i, ok := slices.BinarySearchFunc(vs, version, func(v appVersion, want int) int { return cmp.Compare(v.version, want) })
	if !ok {
		return AppInfo{}, false
	}
	return vs[i].info, true
}

// parseCnmts reads cnmts.json into app id → its versions (ascending).
// Entries with an invalid id or version, or a meta type that is not an
// application, patch or add-on, are skipped; when an app or a version is
// listed twice the last one wins.
func parseCnmts(r io.Reader, name string, limit int64) (map[string]appVersions, error) {
	apps := make(map[string]appVersions)
	err := decodeObject(newLimitedReader(r, limit), func(key string, dec *json.Decoder) error {
		var byVersion map[string]cnmtRecord
		if skip, err := decodeValue(dec, &byVersion); skip || err != nil {
			return err
		}
		appID, ok := NormalizeID(key)
		if !ok {
			return nil
		}
		var list appVersions
		for vkey, rec := range byVersion {
			version, ok := parseVersionKey(vkey)
			if !ok {
				continue
			}
			info, ok := appInfo(appID, rec)
			if !ok {
				continue
			}
			list = append(list, appVersion{version: version, info: info})
		}
		if len(list) == 0 {
			return nil
		}
		// Later entries first, so the stable sort and Compact keep them.
		list = append(list, apps[appID]...)
		slices.SortStableFunc(list, func(a, b appVersion) int { return cmp.Compare(a.version, b.version) })
		list = slices.CompactFunc(list, func(a, b appVersion) bool { return a.version == b.version })
		apps[appID] = slices.Clip(list)
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
// A few keys are update ids (…800) beside their base's key; they are stored
// under the base title (see titleKey), but only for versions the base's own
// entry lacks: those entries carry other dates (e.g. 01007EF00011E800
// v720896 is dated months after the base's v720896) and the base's list is
// the release history.
func parseVersions(r io.Reader, name string, limit int64) (map[string]map[int]string, error) {
	versions := make(map[string]map[int]string)
	fromUpdateIDs := make(map[string]map[int]string)
	err := decodeObject(newLimitedReader(r, limit), func(key string, dec *json.Decoder) error {
		var dates map[string]text
		if skip, err := decodeValue(dec, &dates); skip || err != nil {
			return err
		}
		id, ok := NormalizeID(key)
		if !ok {
			return nil
		}
		into := versions
		if base := titleKey(id); base != id {
			id, into = base, fromUpdateIDs
		}
		for vkey, date := range dates {
			version, ok := parseVersionKey(vkey)
			if !ok {
				continue
			}
			if into[id] == nil {
				into[id] = make(map[int]string)
			}
			into[id][version] = releaseDate(date)
		}
		return nil
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	for id, dates := range fromUpdateIDs {
		if versions[id] == nil {
			versions[id] = make(map[int]string, len(dates))
		}
		for v, date := range dates {
			if _, known := versions[id][v]; !known {
				versions[id][v] = date
			}
		}
	}
	return versions, nil
}
