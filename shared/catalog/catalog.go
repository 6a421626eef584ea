// Package catalog is the library catalog: the folders shelf manages, the game
// files in them, the apps (base games, updates, DLC) those files hold, the
// titles they add up to, and the file events the organizer causes.
//
// Every function takes a *gorm.DB so it runs in the caller's transaction when
// given one; functions that write several statements open their own
// transaction (a savepoint inside the caller's). Pass db.WithContext(ctx) for
// cancellation. The schema is migration 2 in the store package.
//
// Times are int64 unix microseconds in the models, as in every shelf table:
// they compare and index cheaply on both dialects. Ownership is derived: an
// app is owned exactly when some file holds it (a file_apps row), and every
// function here that changes file_apps keeps apps.owned in step.
package catalog

import (
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/identify"
)

// ErrNotFound is returned (wrapped) when a row a function needs is absent.
var ErrNotFound = errors.New("not found")

// Library is a folder whose game files shelf manages.
type Library struct {
	ID   int64 `gorm:"primaryKey"`
	Path string
	// LastScanAt is when the last scan finished (unix µs), nil before.
	LastScanAt *int64
}

func (Library) TableName() string { return "libraries" }

// File is one game file in a library.
type File struct {
	ID        int64 `gorm:"primaryKey"`
	LibraryID int64
	Folder    string // directory of Path
	Name      string // base name of Path, with extension
	Extension string // lower case, without the dot
	Size      int64
	Mtime     int64 // modification time, unix µs
	Path      string
	// Identified is true once the apps in the file are known. A change of
	// size or mtime resets it.
	Identified             bool
	IdentificationMethod   string // e.g. identify.MethodFilename
	IdentificationError    string // why the last attempt failed, "" if it didn't
	IdentificationAttempts int
	// IdentificationNote is what the user should know of an identified
	// file: its name and its content disagree (the content wins), or why
	// its content could not be read (e.g. "needs master_key_0b").
	IdentificationNote string
	CreatedAt          int64 `gorm:"autoCreateTime:false"` // unix µs
	UpdatedAt          int64 `gorm:"autoUpdateTime:false"` // unix µs
}

func (File) TableName() string { return "files" }

// ModTime returns Mtime as a time.
func (f File) ModTime() time.Time { return time.UnixMicro(f.Mtime) }

// App is one version of one application. Rows that no file holds (Owned
// false) stand for what the title database says exists but the library lacks.
type App struct {
	ID      int64 `gorm:"primaryKey"`
	AppID   string
	Version int
	Type    string // identify.TypeBase, TypeUpdate or TypeDLC
	Owned   bool
	TitleID string
}

func (App) TableName() string { return "apps" }

// FileApp links a file to an app it holds.
type FileApp struct {
	FileID int64 `gorm:"primaryKey;autoIncrement:false"`
	// AppRowID is apps.id (not the 16 digit app id).
	AppRowID int64 `gorm:"column:app_id;primaryKey;autoIncrement:false"`
	// Method is how the app was found in the file (cnmt, ticket, filename).
	Method string
}

func (FileApp) TableName() string { return "file_apps" }

// Title is a base game with the state of its collection.
type Title struct {
	ID        int64 `gorm:"primaryKey"`
	TitleID   string
	Name      string
	IconURL   string `gorm:"column:icon_url"`
	BannerURL string `gorm:"column:banner_url"`
	HasBase   bool   // the base game is owned
	UpToDate  bool   // the highest owned version is the latest known
	Complete  bool   // every known DLC is owned at its latest version
}

func (Title) TableName() string { return "titles" }

// IgnoredEvent is a file move made by the organizer, which the watcher
// (possibly in another container) must not treat as a user change.
type IgnoredEvent struct {
	ID        int64 `gorm:"primaryKey"`
	Src       string
	Dest      string
	ExpiresAt int64 // unix µs
}

func (IgnoredEvent) TableName() string { return "ignored_events" }

// AppRef names an app found in a file. It has the fields of identify.App in
// the same order, so catalog.AppRef(app) converts one.
type AppRef struct {
	AppID   string
	TitleID string
	Type    string
	Version int
}

// now is the current time in unix microseconds.
func now() int64 { return time.Now().UnixMicro() }

// splitPath returns the folder, name and lower-case extension of path.
func splitPath(path string) (folder, name, ext string) {
	folder, name = filepath.Split(path)
	folder = filepath.Clean(folder)
	ext = strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	return folder, name, ext
}

func validType(t string) bool {
	return t == identify.TypeBase || t == identify.TypeUpdate || t == identify.TypeDLC
}

// chunkSize bounds the ids bound into one IN (...) list, far below SQLite's
// variable limit.
const chunkSize = 500

// chunks calls fn for consecutive slices of at most chunkSize ids.
func chunks(ids []int64, fn func([]int64) error) error {
	for len(ids) > 0 {
		n := min(len(ids), chunkSize)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
