package titledb

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// Title is one title of a titles file.
type Title struct {
	ID          string // 16 upper-case hex digits
	NsuID       int64  // eShop id; 0 when unknown
	Name        string
	Publisher   string
	Developer   string
	Description string
	BannerURL   string
	IconURL     string
	Categories  []string
	ReleaseDate string // "YYYY-MM-DD", or "" when unknown
	Version     int    // latest version the titles file knows; 0 when unknown
	Size        int64  // bytes; 0 when unknown
	RightsID    string
}

// AppInfo is what cnmts.json says about one app.
type AppInfo struct {
	Type    string // KindBase, KindUpdate or KindDLC
	TitleID string // the base title; the app itself for a base application
}

// VersionInfo is one released version of a title's update.
type VersionInfo struct {
	Version     int
	ReleaseDate string // "YYYY-MM-DD", or "" when unknown
}

// DB is a loaded titledb. It is never modified after Load, so any number of
// goroutines may read it at once; slices it returns are copies.
type DB struct {
	titles   map[string]Title
	titleIDs []string    // sorted, for Titles
	names    []nameEntry // for Search
	apps     map[string]appVersions
	dlcs     map[string][]string // base title → sorted DLC app ids
	versions map[string][]VersionInfo
	// custom are the user's custom titles by id, merged over titles; set
	// with SetCustom, swapped whole so readers never see half an update.
	custom atomic.Pointer[map[string]CustomTitle]
}

// SetCustom makes the custom titles (see CustomTitle) part of what Title and
// AppType answer, replacing the ones set before. Safe while others read.
func (db *DB) SetCustom(list []CustomTitle) {
	m := make(map[string]CustomTitle, len(list))
	for _, c := range list {
		if id, ok := NormalizeID(c.TitleID); ok {
			c.TitleID = id
			m[id] = c
		}
	}
	db.custom.Store(&m)
}

func (db *DB) customTitle(id string) (CustomTitle, bool) {
	m := db.custom.Load()
	if m == nil {
		return CustomTitle{}, false
	}
	c, ok := (*m)[id]
	return c, ok
}

type nameEntry struct {
	folded string
	id     string
}

// newDB indexes the parsed files.
func newDB(titles map[string]Title, apps map[string]appVersions, versions map[string]map[int]string) *DB {
	db := &DB{
		titles:   titles,
		titleIDs: slices.Sorted(maps.Keys(titles)),
		apps:     apps,
		dlcs:     make(map[string][]string),
		versions: make(map[string][]VersionInfo, len(versions)),
	}
	for _, id := range db.titleIDs {
		if t := titles[id]; t.Name != "" {
			db.names = append(db.names, nameEntry{folded: foldName(t.Name), id: id})
		}
	}
	for appID, byVersion := range apps {
		// A DLC's type and base never change between versions; any one
		// version decides which title it belongs to.
		if info := byVersion[0].info; info.Type == KindDLC {
			db.dlcs[info.TitleID] = append(db.dlcs[info.TitleID], appID)
		}
	}
	for _, ids := range db.dlcs {
		slices.Sort(ids)
	}
	for id, dates := range versions {
		list := make([]VersionInfo, 0, len(dates))
		for v, date := range dates {
			list = append(list, VersionInfo{Version: v, ReleaseDate: date})
		}
		slices.SortFunc(list, func(a, b VersionInfo) int { return cmp.Compare(a.Version, b.Version) })
		db.versions[id] = list
	}
	return db
}

// Title returns the title with the given id (either case).
func (db *DB) Title(titleID string) (Title, bool) {
	id, ok := NormalizeID(titleID)
	if !ok {
		return Title{}, false
	}
	t, ok := db.titles[id]
	if c, custom := db.customTitle(id); custom {
		t, ok = c.title(t), true
	}
	t.Categories = slices.Clone(t.Categories)
	return t, ok
}

// Titles returns every title, sorted by id. Titles of updates and DLC that
// the titles file lists are included.
func (db *DB) Titles() []Title {
	out := make([]Title, 0, len(db.titleIDs))
	for _, id := range db.titleIDs {
		t := db.titles[id]
		t.Categories = slices.Clone(t.Categories)
		out = append(out, t)
	}
	return out
}

// Search returns the titles whose name contains name, ignoring case and
// trademark signs, sorted by name then id. An empty query matches nothing.
func (db *DB) Search(name string) []Title {
	q := foldName(name)
	if q == "" {
		return nil
	}
	var out []Title
	for _, e := range db.names {
		if strings.Contains(e.folded, q) {
			out = append(out, db.titles[e.id])
		}
	}
	slices.SortFunc(out, func(a, b Title) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	for i := range out {
		out[i].Categories = slices.Clone(out[i].Categories)
	}
	return out
}

// foldName makes names comparable the way people type them: eShop names
// carry ™ and ® that nobody searches for.
func foldName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '™', '®', '©':
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// App returns what cnmts.json says about appID at version. When that exact
// version is not listed (an update newer than the titledb), the app's other
// versions answer, because an app's type and base title never change
// between versions.
func (db *DB) App(appID string, version int) (AppInfo, bool) {
	id, ok := NormalizeID(appID)
	if !ok {
		return AppInfo{}, false
	}
	byVersion := db.apps[id]
	if info, ok := byVersion.at(version); ok {
		return info, true
	}
	if len(byVersion) > 0 {
		return byVersion[len(byVersion)-1].info, true
	}
	return AppInfo{}, false
}

// AppType is App in the shape the identify package's Lookup interface
// expects.
//
// A custom title the cnmts do not know is typed by its id.
func (db *DB) AppType(appID string, version int) (kind, baseTitleID string, ok bool) {
	info, ok := db.App(appID, version)
	if !ok {
		if id, valid := NormalizeID(appID); valid {
			if _, custom := db.customTitle(id); custom {
				kind, base := deriveBase(id)
				return kind, base, kind != ""
			}
		}
	}
	return info.Type, info.TitleID, ok
}

// Versions returns the released update versions of a title from
// versions.json, oldest first. The title's update id finds them too.
func (db *DB) Versions(titleID string) []VersionInfo {
	id, ok := NormalizeID(titleID)
	if !ok {
		return nil
	}
	return slices.Clone(db.versions[titleKey(id)])
}

// LatestVersion returns the highest version versions.json lists for a
// title; false when it lists none.
func (db *DB) LatestVersion(titleID string) (int, bool) {
	id, ok := NormalizeID(titleID)
	if !ok {
		return 0, false
	}
	list := db.versions[titleKey(id)]
	if len(list) == 0 {
		return 0, false
	}
	return list[len(list)-1].Version, true
}

// DLCs returns the app ids of the DLC whose base title is titleID, sorted.
func (db *DB) DLCs(titleID string) []string {
	id, ok := NormalizeID(titleID)
	if !ok {
		return nil
	}
	return slices.Clone(db.dlcs[id])
}

// DLCVersions returns the versions cnmts.json lists for an app, ascending.
// Meant for DLC, it answers for any app id.
func (db *DB) DLCVersions(appID string) []int {
	id, ok := NormalizeID(appID)
	if !ok {
		return nil
	}
	byVersion := db.apps[id]
	if len(byVersion) == 0 {
		return nil
	}
	out := make([]int, len(byVersion))
	for i, v := range byVersion {
		out[i] = v.version
	}
	return out
}
