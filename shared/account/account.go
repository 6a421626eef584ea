// Package account holds shelf's users, their roles, browser sessions and per-user API tokens
// (tables users, sessions and api_tokens, owned here), and how a password is checked: argon2id
// hashes of its own, and the Werkzeug hashes Ownfoil stores, rehashed to argon2id on the first
// successful login. Sessions and tokens are stored as SHA-256 digests only, so a copy of the
// database lets no one in, and every api replica honours what another one issued.
package account

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do. Admin may do everything; the others are checked per route.
type Role string

const (
	// RoleAdmin manages shelf: tasks, settings, keys, users.
	RoleAdmin Role = "admin"
	// RoleShop browses and downloads the shop (what consoles use).
	RoleShop Role = "shop"
	// RoleBackup is reserved for save backups.
	RoleBackup Role = "backup"
)

// Roles lists every role, in the order the API shows them.
var Roles = []Role{RoleAdmin, RoleShop, RoleBackup}

// ParseRole returns the role named s (exactly as written in Roles).
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(Roles, r)
}

// RoleSet is a user's roles, any combination.
type RoleSet struct {
	Admin, Shop, Backup bool
}

// NewRoleSet parses role names; an unknown one is an *InvalidError for field.
func NewRoleSet(field string, names []string) (RoleSet, error) {
	var rs RoleSet
	for _, n := range names {
		r, ok := ParseRole(n)
		if !ok {
			return rs, &InvalidError{Field: field, Message: fmt.Sprintf("unknown role %q (want admin, shop or backup)", n)}
		}
		rs = rs.With(r)
	}
	return rs, nil
}

// With returns rs plus r.
func (rs RoleSet) With(r Role) RoleSet {
	switch r {
	case RoleAdmin:
		rs.Admin = true
	case RoleShop:
		rs.Shop = true
	case RoleBackup:
		rs.Backup = true
	}
	return rs
}

// Has reports whether rs holds r itself (admin does not imply the others here; see Allows).
func (rs RoleSet) Has(r Role) bool {
	switch r {
	case RoleAdmin:
		return rs.Admin
	case RoleShop:
		return rs.Shop
	case RoleBackup:
		return rs.Backup
	}
	return false
}

// Allows reports whether a holder of rs may do what r is needed for: admin may do everything.
func (rs RoleSet) Allows(r Role) bool { return rs.Admin || rs.Has(r) }

// Names lists the roles held, in the order of Roles; never nil.
func (rs RoleSet) Names() []string {
	out := []string{}
	for _, r := range Roles {
		if rs.Has(r) {
			out = append(out, string(r))
		}
	}
	return out
}

// AllRoles is what the root token (SHELF_API_TOKEN) holds.
var AllRoles = RoleSet{Admin: true, Shop: true, Backup: true}

// User is an account without its secrets.
type User struct {
	ID        int64     `json:"-"`
	Username  string    `json:"username"`
	Roles     RoleSet   `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Errors matched with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrLastAdmin refuses a change that would leave no admin (deleting or demoting the last).
	ErrLastAdmin = errors.New("the last admin cannot be deleted or lose the admin role")
	// ErrBadCredentials is a wrong user name or password (never said which).
	ErrBadCredentials = errors.New("wrong user name or password")
)

// InvalidError names the field of a request that is not valid.
type InvalidError struct{ Field, Message string }

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// Limits on what a user types.
const (
	maxUsernameLen = 64
	// MinPasswordLen follows NIST SP 800-63B for passwords chosen by users.
	MinPasswordLen = 8
	// maxPasswordLen bounds the work of one hash; 1024 bytes is any passphrase.
	maxPasswordLen = 1024
	maxTokenName   = 100
)

// ValidateUsername checks a new user name: 1–64 characters, no control characters, no ':'
// (HTTP Basic splits on it) or '/' (it is a path segment of the API), no surrounding spaces.
func ValidateUsername(name string) error {
	switch {
	case name == "":
		return &InvalidError{"username", "must not be empty"}
	case len([]rune(name)) > maxUsernameLen:
		return &InvalidError{"username", fmt.Sprintf("must be at most %d characters", maxUsernameLen)}
	case strings.TrimSpace(name) != name:
		return &InvalidError{"username", "must not start or end with a space"}
	case strings.ContainsAny(name, ":/"):
		return &InvalidError{"username", "must not contain ':' or '/'"}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return &InvalidError{"username", "must not contain control characters"}
		}
	}
	return nil
}

// ValidatePassword checks a new password's length.
func ValidatePassword(password string) error {
	switch {
	case len([]rune(password)) < MinPasswordLen:
		return &InvalidError{"password", fmt.Sprintf("must be at least %d characters", MinPasswordLen)}
	case len(password) > maxPasswordLen:
		return &InvalidError{"password", fmt.Sprintf("must be at most %d bytes", maxPasswordLen)}
	}
	return nil
}

// micros is the unix-microsecond form every table stores times in.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
