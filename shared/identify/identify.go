// Package identify works out which Switch applications a game file holds.
//
// FilenameIdentifier reads the file name, which dump tools and renamers fill
// with "[<16 hex app id>][v<version>]" and variations of it (see parseName).
// The Identifier interface leaves room for content-based identification
// (reading the NCA metadata of a file), which can also report several apps
// for one multi-content file.
package identify

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// App types, as stored in the catalog.
const (
	TypeBase   = "base"
	TypeUpdate = "update"
	TypeDLC    = "dlc"
)

// Identification methods, recorded with each identified file.
const (
	MethodFilename = "filename"
)

// App is one application (base game, update or DLC) found in a file.
type App struct {
	// AppID is the application's 16 hex digit id, upper case.
	AppID string
	// TitleID is the id of the base game the app belongs to, upper case
	// (equal to AppID for a base game).
	TitleID string
	// Type is TypeBase, TypeUpdate or TypeDLC.
	Type string
	// Version is the raw version number (an update's patch number times
	// 65536); 0 when the file name carries none.
	Version int
}

// Result is what an Identifier found in one file.
type Result struct {
	Apps []App
	// Method says how the apps were found, e.g. MethodFilename.
	Method string
	// Note is what the user should know of the identification: the name
	// and the content disagree, why the content was not read, or a tag of
	// the name that contradicts its id ("[UPD]" around a base game's id).
	Note string
}

// Lookup answers what the title database knows about an app. It is
// implemented by the title database; kind is TypeBase, TypeUpdate or TypeDLC
// (content meta types 128, 129 and 130, see TypeFromMeta) and baseTitleID the
// base game's id (otherApplicationId for updates and DLC). ok is false when
// the app is unknown.
type Lookup interface {
	AppType(appID string, version int) (kind string, baseTitleID string, ok bool)
}

// Identifier identifies the apps in the file at path. lookup may be nil.
type Identifier interface {
	Identify(ctx context.Context, path string, lookup Lookup) (Result, error)
}

var (
	// ErrNoAppID means the file name holds no app id: no 16 hex digit
	// word in a tag, nor one starting with "01" elsewhere.
	ErrNoAppID = errors.New("no [app id] in file name")
	// ErrBadVersion means the "v<n>" of a file name does not fit 32 bits
	// (versions are 32-bit numbers).
	ErrBadVersion = errors.New("version in file name out of range")
	// ErrNoBaseTitle means an app id has no possible base title: a DLC or
	// update of title 0000000000000000.
	ErrNoBaseTitle = errors.New("dlc app id has no base title")
)

// UnidentifiableError says why a file cannot be identified. Its message is
// meant to be stored as the file's identification error as it is, e.g.
// "unidentifiable: no [app id] in file name"; errors.Is matches the cause
// (ErrNoAppID, ErrBadVersion, ErrNoBaseTitle).
type UnidentifiableError struct {
	// Name is the file name that was examined.
	Name string
	Err  error
}

func (e *UnidentifiableError) Error() string { return "unidentifiable: " + e.Err.Error() }
func (e *UnidentifiableError) Unwrap() error { return e.Err }

// FilenameIdentifier identifies a file by the app id and version in its name.
// A name holds one app: the first "[app id]" wins. Files that bundle several
// apps need content identification. When a type tag of the name ("[UPD]",
// "[DLC]", "[BASE]") contradicts the id, the id wins and Result.Note says
// so.
type FilenameIdentifier struct{}

var _ Identifier = FilenameIdentifier{}

// Identify implements Identifier. It never touches the file itself.
func (FilenameIdentifier) Identify(ctx context.Context, path string, lookup Lookup) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	name := filepath.Base(path)
	info, err := parseName(name)
	if err != nil {
		return Result{}, &UnidentifiableError{Name: name, Err: err}
	}
	app, err := Classify(info.appID, info.version, lookup)
	if err != nil {
		return Result{}, &UnidentifiableError{Name: name, Err: err}
	}
	res := Result{Apps: []App{app}, Method: MethodFilename}
	if info.tag != "" && info.tag != app.Type {
		res.Note = fmt.Sprintf("the file name says %s but %s is %s", typeNoun(info.tag), app.AppID, typeNoun(app.Type))
	}
	return res, nil
}

// typeNoun names an app type for a message.
func typeNoun(kind string) string {
	switch kind {
	case TypeBase:
		return "a base game"
	case TypeUpdate:
		return "an update"
	}
	return "a DLC"
}

// Classify returns the App for appID at version. What lookup knows wins;
// otherwise the type follows from the id itself: "...000" is a base game,
// "...800" the update of "...000", anything else a DLC of the title whose
// first 13 digits are one less than the DLC's.
func Classify(appID string, version int, lookup Lookup) (App, error) {
	appID = strings.ToUpper(appID)
	if !IsAppID(appID) {
		return App{}, fmt.Errorf("invalid app id %q", appID)
	}
	if lookup != nil {
		if kind, title, ok := lookup.AppType(appID, version); ok && validKind(kind) {
			title = strings.ToUpper(title)
			if kind == TypeBase {
				title = appID
			}
			if IsAppID(title) && !isTitleZero(title) {
				return App{AppID: appID, TitleID: title, Type: kind, Version: version}, nil
			}
		}
	}
	app := App{AppID: appID, Version: version}
	switch suffix := appID[13:]; suffix {
	case "000":
		app.Type, app.TitleID = TypeBase, appID
		if isTitleZero(appID) {
			return App{}, ErrNoBaseTitle
		}
	case "800":
		app.Type, app.TitleID = TypeUpdate, appID[:13]+"000"
		if isTitleZero(app.TitleID) {
			return App{}, ErrNoBaseTitle
		}
	default:
		prefix, err := strconv.ParseUint(appID[:13], 16, 64)
		// Prefix 1 would make a DLC of title 0, which does not exist.
		if err != nil || prefix <= 1 {
			return App{}, ErrNoBaseTitle
		}
		app.Type, app.TitleID = TypeDLC, fmt.Sprintf("%013X000", prefix-1)
	}
	return app, nil
}

// TypeFromMeta maps a content meta type (128 application, 129 patch,
// 130 add-on content) to an app type.
func TypeFromMeta(metaType int) (kind string, ok bool) {
	switch metaType {
	case 128:
		return TypeBase, true
	case 129:
		return TypeUpdate, true
	case 130:
		return TypeDLC, true
	}
	return "", false
}

// UpdateAppID is the app id of the updates of the base game titleID.
func UpdateAppID(titleID string) string {
	if len(titleID) < 3 {
		return strings.ToUpper(titleID)
	}
	return strings.ToUpper(titleID[:len(titleID)-3]) + "800"
}

// PatchNumber is the patch level of an update version (v65536 is patch 1).
func PatchNumber(version int) int { return version / 65536 }

// IsAppID reports whether s is 16 upper-case hex digits.
func IsAppID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// isTitleZero reports whether id is 0000000000000000, which no title has.
func isTitleZero(id string) bool { return strings.Trim(id, "0") == "" }

func validKind(kind string) bool {
	return kind == TypeBase || kind == TypeUpdate || kind == TypeDLC
}
