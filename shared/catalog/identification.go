package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unique"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/identify"
)

// RecordIdentification records that the file holds apps, found by method,
// with note telling what the user should know of it ("" for nothing: see
// File.IdentificationNote); see RecordIdentifications. Invalid apps are an
// error here.
func RecordIdentification(db *gorm.DB, fileID int64, apps []AppRef, method, note string) error {
	if _, err := normalizeApps(apps); err != nil {
		return fmt.Errorf("recording identification of file %d: %w", fileID, err)
	}
	return recordOne(db, Identification{FileID: fileID, Apps: apps, Method: method, Note: note})
}

// RecordIdentificationFailure records a failed identification attempt with
// its reason (e.g. "unidentifiable: no [app id] in file name"). The file holds
// no apps until a later attempt succeeds.
func RecordIdentificationFailure(db *gorm.DB, fileID int64, reason string) error {
	return recordOne(db, Identification{FileID: fileID, Error: reason})
}

func recordOne(db *gorm.DB, id Identification) error {
	n, err := RecordIdentifications(db, []Identification{id})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("recording identification of file %d: %w", id.FileID, ErrNotFound)
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

// deleteLinks removes the file_apps rows of the files and returns the app
// row ids they pointed at.
func deleteLinks(tx *gorm.DB, fileIDs []int64) ([]int64, error) {
	var appIDs []int64
	var args []any
	err := chunks(fileIDs, func(part []int64) error {
		args = appendIDs(args[:0], part)
		rows, err := deleteLinksStatement.query(tx, len(part), args)
		if err != nil {
			return err
		}
		appIDs, err = scanIDs(rows, appIDs)
		return err
	})
	slices.Sort(appIDs)
	return slices.Compact(appIDs), err
}

var deleteLinksStatement = rowsStatement{
	head: `DELETE FROM file_apps WHERE file_id IN (`, row: "?", tail: `) RETURNING app_id`,
}

// appendIDs appends ids to args, to bind them.
func appendIDs(args []any, ids []int64) []any {
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// unlinkApps removes the files' apps and updates those apps' ownership.
func unlinkApps(tx *gorm.DB, fileIDs []int64) error {
	appIDs, err := deleteLinks(tx, fileIDs)
	if err != nil {
		return err
	}
	return refreshOwnership(tx, appIDs)
}

// NotedFile is an identified file with an identification note, and the
// title of one of its apps.
type NotedFile struct {
	TitleID string
	Path    string
	Note    string
}

// NotedFilesOfTitles lists the identified files of the given titles that
// carry a note (see File.IdentificationNote), by title then path. Equal
// notes share one string: a large library of placeholder files carries the
// same note on every file.
func NotedFilesOfTitles(db *gorm.DB, titleIDs []string) ([]NotedFile, error) {
	var out []NotedFile
	if len(titleIDs) == 0 {
		return nil, nil
	}
	err := db.Raw(`SELECT DISTINCT a.title_id, f.path, f.identification_note AS note
		FROM files f JOIN file_apps fa ON fa.file_id = f.id JOIN apps a ON a.id = fa.app_id
		WHERE f.identified = TRUE AND f.identification_note <> '' AND a.title_id IN ?
		ORDER BY a.title_id, f.path`, titleIDs).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("listing noted files: %w", err)
	}
	for i := range out {
		out[i].Note = unique.Make(out[i].Note).Value()
	}
	return out, nil
}
