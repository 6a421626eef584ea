package ownfoil

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/shelfhq/shelf/shared/identify"
)

// databaseFile is Ownfoil's SQLite database in its config folder.
const databaseFile = "ownfoil.db"

// library is one library of Ownfoil's database with its files.
type library struct {
	Path  string
	Files []file
}

// file is one file of Ownfoil's database and the apps it identified in it.
type file struct {
	Path   string
	Size   int64
	Mtime  time.Time // zero when Ownfoil did not record it
	Method string    // "filename" or "cnmt"; "" when not identified
	Apps   []identify.App
	// Skipped says why apps Ownfoil recorded were left out.
	Skipped []string
}

// user is an account of Ownfoil's database.
type user struct {
	Name                string
	PasswordHash        string // Werkzeug's "scrypt:32768:8:1$salt$hex"
	Admin, Shop, Backup bool
}

// database is what Ownfoil's database holds that shelf can take over.
type database struct {
	Libraries []library
	Users     []user
}

// readDatabase reads Ownfoil's database read-only. A missing file is no
// error: the import is then settings only.
func readDatabase(ctx context.Context, dir string) (*database, error) {
	path := filepath.Join(dir, databaseFile)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("Ownfoil's database: %w", err)
	}
	db, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro&_pragma=busy_timeout(5000)"),
		&gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		return nil, fmt.Errorf("opening Ownfoil's database %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	db = db.WithContext(ctx)
	out := &database{}
	if err := readLibraries(db, out); err != nil {
		return nil, fmt.Errorf("reading Ownfoil's database %s: %w", path, err)
	}
	if err := readUsers(db, out); err != nil {
		return nil, fmt.Errorf("reading Ownfoil's database %s: %w", path, err)
	}
	return out, nil
}

func readLibraries(db *gorm.DB, out *database) error {
	var libs []struct {
		ID   int64
		Path string
	}
	if err := db.Raw(`SELECT id, path FROM libraries ORDER BY path`).Scan(&libs).Error; err != nil {
		return err
	}
	var files []struct {
		ID                 int64
		LibraryID          int64
		Filepath           string
		Size               *int64
		Mtime              *float64
		Identified         *bool
		IdentificationType *string
	}
	if err := db.Raw(`SELECT id, library_id, filepath, size, mtime, identified, identification_type
		FROM files ORDER BY filepath`).Scan(&files).Error; err != nil {
		return err
	}
	var apps []struct {
		FileID     int64
		AppID      *string
		AppVersion *string
		AppType    *string
		TitleID    *string
	}
	if err := db.Raw(`SELECT af.file_id, a.app_id, a.app_version, a.app_type, t.title_id
		FROM app_files af JOIN apps a ON a.id = af.app_id JOIN titles t ON t.id = a.title_id
		ORDER BY af.file_id, a.app_id, a.app_version`).Scan(&apps).Error; err != nil {
		return err
	}
	index := map[int64]int{} // library id → position in out.Libraries
	for i, l := range libs {
		out.Libraries = append(out.Libraries, library{Path: l.Path})
		index[l.ID] = i
	}
	type position struct{ lib, file int }
	where := map[int64]position{} // file id → its place, once every append is done
	for _, f := range files {
		i, ok := index[f.LibraryID]
		if !ok || !filepath.IsAbs(f.Filepath) {
			continue // shelf records absolute paths only; Ownfoil writes them so
		}
		nf := file{Path: f.Filepath, Size: deref(f.Size)}
		if f.Mtime != nil && *f.Mtime > 0 && *f.Mtime < math.MaxInt32*4 {
			sec, frac := math.Modf(*f.Mtime)
			nf.Mtime = time.Unix(int64(sec), int64(frac*1e9))
		}
		if deref(f.Identified) {
			nf.Method = deref(f.IdentificationType)
		}
		out.Libraries[i].Files = append(out.Libraries[i].Files, nf)
		where[f.ID] = position{i, len(out.Libraries[i].Files) - 1}
	}
	for _, a := range apps {
		pos, ok := where[a.FileID]
		if !ok {
			continue
		}
		f := &out.Libraries[pos.lib].Files[pos.file]
		if f.Method == "" {
			continue
		}
		app, err := ownfoilApp(deref(a.AppID), deref(a.AppVersion), deref(a.AppType), deref(a.TitleID))
		if err != nil {
			f.Skipped = append(f.Skipped, err.Error())
			continue
		}
		f.Apps = append(f.Apps, app)
	}
	return nil
}

// ownfoilApp converts an apps row: types are "BASE", "UPDATE" and "DLC",
// versions decimal strings, the title its titles row's title_id.
func ownfoilApp(appID, version, kind, titleID string) (identify.App, error) {
	app := identify.App{AppID: strings.ToUpper(appID), TitleID: strings.ToUpper(titleID)}
	switch kind {
	case "BASE":
		app.Type = identify.TypeBase
	case "UPDATE":
		app.Type = identify.TypeUpdate
	case "DLC":
		app.Type = identify.TypeDLC
	default:
		return app, fmt.Errorf("app %s: unknown type %q", appID, kind)
	}
	if !identify.IsAppID(app.AppID) || !identify.IsAppID(app.TitleID) {
		return app, fmt.Errorf("app %q of title %q: not 16 hex digit ids", appID, titleID)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(version), 10, 32)
	if err != nil {
		return app, fmt.Errorf("app %s: version %q is not a 32-bit number", appID, version)
	}
	app.Version = int(v)
	return app, nil
}

func readUsers(db *gorm.DB, out *database) error {
	var exists int64
	if err := db.Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'user'`).Scan(&exists).Error; err != nil || exists == 0 {
		return err
	}
	var users []struct {
		User         *string
		Password     *string
		AdminAccess  *bool
		ShopAccess   *bool
		BackupAccess *bool
	}
	if err := db.Raw(`SELECT "user", password, admin_access, shop_access, backup_access FROM "user" ORDER BY "user"`).Scan(&users).Error; err != nil {
		return err
	}
	for _, u := range users {
		out.Users = append(out.Users, user{Name: deref(u.User), PasswordHash: deref(u.Password),
			Admin: deref(u.AdminAccess), Shop: deref(u.ShopAccess), Backup: deref(u.BackupAccess)})
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
