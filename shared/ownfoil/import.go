// Package ownfoil moves a user over from Ownfoil (github.com/a1ex4/ownfoil):
// it reads Ownfoil's config folder (settings.yaml and the SQLite database
// ownfoil.db) and plans what shelf takes over — settings, libraries, files
// and their identifications, users with their roles and password hashes —
// then prints the plan or applies it.
package ownfoil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/settings"
)

// Plan is what an import of one Ownfoil config folder would do.
type Plan struct {
	From string
	// Settings is a patch of shelf's settings (as PUT /api/settings takes).
	Settings map[string]any
	// Notes say what was left out of the settings and why.
	Notes     []string
	Libraries []library
	Users     []user
}

// Read plans the import of the Ownfoil config folder dir.
func Read(ctx context.Context, dir string) (*Plan, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("Ownfoil's config folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("Ownfoil's config folder %s is not a folder", dir)
	}
	p := &Plan{From: dir}
	if p.Settings, p.Notes, err = readSettings(dir); err != nil {
		return nil, err
	}
	db, err := readDatabase(ctx, dir)
	if err != nil {
		return nil, err
	}
	if db == nil {
		p.Notes = append(p.Notes, databaseFile+" not found: no libraries or files to import")
		return p, nil
	}
	p.Libraries, p.Users = db.Libraries, db.Users
	// Ownfoil's libraries are library paths too, also when settings.yaml
	// lost them.
	if p.Settings == nil {
		p.Settings = map[string]any{}
	}
	lib, _ := p.Settings["library"].(map[string]any)
	if lib == nil {
		lib = map[string]any{}
	}
	paths, _ := lib["paths"].([]string)
	for _, l := range p.Libraries {
		if !slices.Contains(paths, l.Path) {
			paths = append(paths, l.Path)
		}
	}
	if len(paths) > 0 {
		lib["paths"] = paths
		p.Settings["library"] = lib
	}
	return p, nil
}

// Print writes the plan for a person to read: what Apply would do.
func (p *Plan) Print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "import from Ownfoil's config folder %s\n", p.From)
	if len(p.Settings) > 0 {
		patch, err := json.Marshal(p.Settings)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "settings: would apply %s\n", patch)
	}
	for _, l := range p.Libraries {
		identified, apps, skipped := 0, 0, 0
		for _, f := range l.Files {
			if len(f.Apps) > 0 {
				identified++
			}
			apps += len(f.Apps)
			skipped += len(f.Skipped)
		}
		fmt.Fprintf(&b, "library %s: would import %d files, %d of them identified (%d apps)\n", l.Path, len(l.Files), identified, apps)
		if skipped > 0 {
			fmt.Fprintf(&b, "  %d apps Ownfoil recorded are not valid and left out; those files are identified again\n", skipped)
		}
	}
	for _, u := range p.Users {
		if err := u.check(); err != nil {
			fmt.Fprintf(&b, "user %s: left out: %v\n", u.Name, err)
			continue
		}
		fmt.Fprintf(&b, "user %s: would import with roles %s and its password (Ownfoil's hash, replaced by argon2id at its first sign-in); kept as it is if shelf has a user of that name\n",
			u.Name, rolesText(u.roles()))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Result counts what Apply did.
type Result struct {
	Libraries, Files, Identified, Kept int
	// Users were imported; UsersKept were left as shelf had them (a user of that name
	// existed); UsersSkipped could not be (a name shelf does not allow, or no password hash).
	Users, UsersKept, UsersSkipped int
}

// fileBatch bounds the files written per transaction.
const fileBatch = 500

// Apply carries the plan out: the settings through set (validated and
// saved like an API edit), then the libraries, files and identifications
// into the catalog. Files are recorded with their size and time as they
// are on disk now (Ownfoil's when the file is not reachable from here), so
// the next scan finds them unchanged. A file shelf has already identified
// keeps shelf's identification, so running Apply again changes nothing.
func (p *Plan) Apply(ctx context.Context, db *gorm.DB, set *settings.Manager) (Result, error) {
	var res Result
	if len(p.Settings) > 0 {
		patch, err := json.Marshal(p.Settings)
		if err != nil {
			return res, err
		}
		if _, err := set.Update(patch); err != nil {
			return res, fmt.Errorf("importing Ownfoil's settings: %w", err)
		}
	}
	db = db.WithContext(ctx)
	for _, u := range p.Users {
		if u.check() != nil {
			res.UsersSkipped++
			continue
		}
		_, err := account.CreateUser(ctx, db, account.NewUser{Username: u.Name, PasswordHash: u.PasswordHash, Roles: u.roles()})
		switch {
		case errors.Is(err, account.ErrExists):
			res.UsersKept++
		case err != nil:
			return res, fmt.Errorf("importing Ownfoil's user %q: %w", u.Name, err)
		default:
			res.Users++
		}
	}
	for _, l := range p.Libraries {
		if !filepath.IsAbs(l.Path) {
			return res, fmt.Errorf("Ownfoil's library %q is not an absolute path", l.Path)
		}
		lib, err := catalog.EnsureLibrary(db, l.Path)
		if err != nil {
			return res, err
		}
		res.Libraries++
		for start := 0; start < len(l.Files); start += fileBatch {
			part := l.Files[start:min(start+fileBatch, len(l.Files))]
			err := db.Transaction(func(tx *gorm.DB) error {
				for _, f := range part {
					kept, identified, err := importFile(tx, lib.ID, f)
					if err != nil {
						return err
					}
					res.Files++
					if kept {
						res.Kept++
					} else if identified {
						res.Identified++
					}
				}
				return nil
			})
			if err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// check says why shelf cannot take a user over, or nil: a name shelf does not allow, or a
// password hash it cannot verify.
func (u user) check() error {
	if err := account.ValidateUsername(u.Name); err != nil {
		return err
	}
	if !strings.HasPrefix(u.PasswordHash, "scrypt:") && !strings.HasPrefix(u.PasswordHash, "pbkdf2:") {
		return errors.New("its password hash is not one of Werkzeug's (scrypt: or pbkdf2:)")
	}
	return nil
}

// roles are the user's Ownfoil access flags as shelf's roles, which match one for one.
func (u user) roles() account.RoleSet {
	return account.RoleSet{Admin: u.Admin, Shop: u.Shop, Backup: u.Backup}
}

func rolesText(rs account.RoleSet) string {
	if names := rs.Names(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return "none"
}

// importFile records one file and, unless shelf already identified it, the
// apps Ownfoil found in it.
func importFile(tx *gorm.DB, libraryID int64, f file) (kept, identified bool, err error) {
	size, mtime := f.Size, f.Mtime
	if info, err := os.Stat(f.Path); err == nil && info.Mode().IsRegular() {
		size, mtime = info.Size(), info.ModTime()
	}
	row, changed, err := catalog.UpsertFile(tx, libraryID, f.Path, size, mtime)
	if err != nil {
		return false, false, err
	}
	if !changed && row.Identified {
		return true, false, nil
	}
	if len(f.Apps) == 0 {
		return false, false, nil
	}
	refs := make([]catalog.AppRef, len(f.Apps))
	for i, a := range f.Apps {
		refs[i] = catalog.AppRef(a)
	}
	if err := catalog.RecordIdentification(tx, row.ID, refs, method(f.Method), ""); err != nil {
		return false, false, err
	}
	return false, true, nil
}

// method names how Ownfoil identified a file, in shelf's vocabulary.
func method(ownfoil string) string {
	switch ownfoil {
	case "filename", "cnmt":
		return "ownfoil-" + ownfoil
	}
	return "ownfoil"
}
