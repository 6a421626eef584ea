package shop

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
)

// Filter narrows the shop to one kind of file, by the last segment of the path the client
// asks for (/base, /update, /dlc, /multi), as Ownfoil does.
type Filter string

// The filters; All is none.
const (
	All    Filter = ""
	Base   Filter = "base"
	Update Filter = "update"
	DLC    Filter = "dlc"
	Multi  Filter = "multi"
)

// Filters lists every filter but All.
var Filters = []Filter{Base, Update, DLC, Multi}

// ParseFilter reads a path segment as a filter.
func ParseFilter(segment string) (Filter, bool) {
	for _, f := range Filters {
		if segment == string(f) {
			return f, true
		}
	}
	return All, false
}

// Index is the shop in the format Tinfoil reads (and CyberFoil, which follows it): the files to
// install, further indexes to load (none: one index holds the library), the message shown on
// opening it, and the address the index must be loaded from, when a host is configured.
type Index struct {
	Files       []Entry  `json:"files"`
	Directories []string `json:"directories"`
	Success     string   `json:"success"`
	Referrer    string   `json:"referrer,omitempty"`
}

// Entry is one file: a URL and its size in bytes.
type Entry struct {
	URL  string `json:"url"`
	Size int64  `json:"size"`
}

// Refusal is what a console client shows when the shop says no: Tinfoil and CyberFoil show
// "error" as text (Ownfoil answers them the same way), so it is a string, not the api's object.
type Refusal struct {
	Error string `json:"error"`
}

// FilePath is where a file downloads, from the server's root, so that Tinfoil (which resolves
// it against the host) and CyberFoil (which appends it to the typed base URL with the trailing
// slash cut) both reach it when the base URL is the server's root.
func FilePath(f catalog.File) string {
	return "/api/shop/files/" + strconv.FormatInt(f.ID, 10) + "/" + url.PathEscape(f.Name)
}

// EntryURL is the index's url for a file: FilePath and, after "#", the name Tinfoil shows
// (it displays the fragment; Ownfoil's index does the same).
func EntryURL(f catalog.File) string {
	return FilePath(f) + "#" + url.PathEscape(f.Name)
}

// NewIndex builds the index of files with the message of the day.
func NewIndex(files []catalog.File, motd, referrer string) Index {
	idx := Index{Files: make([]Entry, 0, len(files)), Directories: []string{}, Success: motd, Referrer: referrer}
	for _, f := range files {
		idx.Files = append(idx.Files, Entry{URL: EntryURL(f), Size: f.Size})
	}
	return idx
}

// Files lists the catalog's files by name that pass the filter. A filtered list has only
// identified files: one app of the kind asked for, or, for Multi, several apps.
func Files(db *gorm.DB, filter Filter) ([]catalog.File, error) {
	files, err := catalog.FilesByName(db)
	if err != nil || filter == All {
		return files, err
	}
	ids := make([]int64, 0, len(files))
	for _, f := range files {
		if f.Identified {
			ids = append(ids, f.ID)
		}
	}
	apps, err := catalog.AppsOfFiles(db, ids)
	if err != nil {
		return nil, fmt.Errorf("filtering the shop by %s: %w", filter, err)
	}
	kept := files[:0]
	for _, f := range files {
		if f.Identified && Holds(apps[f.ID], filter) {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// Holds reports whether a file with these apps belongs under the filter.
func Holds(apps []catalog.App, filter Filter) bool {
	switch filter {
	case All:
		return true
	case Multi:
		return len(apps) > 1
	}
	return len(apps) == 1 && strings.EqualFold(apps[0].Type, string(filter))
}
