package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// userRow is a row of users.
type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	RoleAdmin    bool
	RoleShop     bool
	RoleBackup   bool
	CreatedAt    int64 `gorm:"autoCreateTime:false"`
	UpdatedAt    int64 `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func (r userRow) user() User {
	return User{ID: r.ID, Username: r.Username, Roles: RoleSet{Admin: r.RoleAdmin, Shop: r.RoleShop, Backup: r.RoleBackup},
		CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt)}
}

// NewUser is what CreateUser needs. PasswordHash, when set, is stored instead of hashing
// Password (an imported Ownfoil hash, which VerifyPassword accepts and replaces on the first
// login).
type NewUser struct {
	Username     string
	Password     string
	PasswordHash string
	Roles        RoleSet
}

// CreateUser adds a user; ErrExists when the name is taken.
func CreateUser(ctx context.Context, db *gorm.DB, nu NewUser) (User, error) {
	if err := ValidateUsername(nu.Username); err != nil {
		return User{}, err
	}
	hash := nu.PasswordHash
	if hash == "" {
		if err := ValidatePassword(nu.Password); err != nil {
			return User{}, err
		}
		var err error
		if hash, err = HashPassword(nu.Password); err != nil {
			return User{}, err
		}
	}
	now := micros(time.Now())
	row := userRow{Username: nu.Username, PasswordHash: hash, RoleAdmin: nu.Roles.Admin, RoleShop: nu.Roles.Shop,
		RoleBackup: nu.Roles.Backup, CreatedAt: now, UpdatedAt: now}
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return User{}, fmt.Errorf("adding user %q: %w", nu.Username, res.Error)
	}
	if res.RowsAffected == 0 {
		return User{}, fmt.Errorf("user %q: %w", nu.Username, ErrExists)
	}
	return row.user(), nil
}

// CreateFirstAdmin adds an admin only while no user exists, in one transaction so that two api
// replicas starting together (or the setup page and SHELF_ADMIN_USER) make one. It reports
// whether it made the user.
func CreateFirstAdmin(ctx context.Context, db *gorm.DB, username, password string) (User, bool, error) {
	if err := ValidateUsername(username); err != nil {
		return User{}, false, err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, false, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, false, err
	}
	now := micros(time.Now())
	row := userRow{Username: username, PasswordHash: hash, RoleAdmin: true, RoleShop: true, CreatedAt: now, UpdatedAt: now}
	// INSERT … SELECT … WHERE NOT EXISTS is one statement: on SQLite the writer lock, on
	// PostgreSQL the unique index on username (the only way two can race in) decide.
	res := db.WithContext(ctx).Exec(`INSERT INTO users (username, password_hash, role_admin, role_shop, role_backup, created_at, updated_at)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users)`,
		row.Username, row.PasswordHash, true, true, false, now, now)
	if res.Error != nil {
		if n, cerr := CountUsers(ctx, db); cerr == nil && n > 0 {
			return User{}, false, nil
		}
		return User{}, false, fmt.Errorf("adding the first admin: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return User{}, false, nil
	}
	u, err := UserByName(ctx, db, username)
	return u, err == nil, err
}

// CountUsers counts every user.
func CountUsers(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("counting users: %w", err)
	}
	return n, nil
}

// AnyAdmin reports whether some user has the admin role.
func AnyAdmin(ctx context.Context, db *gorm.DB) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&userRow{}).Where("role_admin").Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("looking for an admin: %w", err)
	}
	return n > 0, nil
}

// ListUsers returns every user, by name.
func ListUsers(ctx context.Context, db *gorm.DB) ([]User, error) {
	var rows []userRow
	if err := db.WithContext(ctx).Order("username").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

// UserByName returns the user called name (exactly); ErrNotFound when there is none.
func UserByName(ctx context.Context, db *gorm.DB, name string) (User, error) {
	row, err := userRowByName(ctx, db, name)
	return row.user(), err
}

func userRowByName(ctx context.Context, db *gorm.DB, name string) (userRow, error) {
	var rows []userRow
	if err := db.WithContext(ctx).Where("username = ?", name).Limit(1).Find(&rows).Error; err != nil {
		return userRow{}, fmt.Errorf("reading user %q: %w", name, err)
	}
	if len(rows) == 0 {
		return userRow{}, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return rows[0], nil
}

// Authenticate checks a user name and password. A wrong name or password is
// ErrBadCredentials, and an unknown name costs the same time as a known one. A hash that is
// not shelf's current argon2id (an imported Werkzeug hash) is replaced after a match.
func Authenticate(ctx context.Context, db *gorm.DB, name, password string) (User, error) {
	if len(password) > maxPasswordLen {
		return User{}, ErrBadCredentials
	}
	row, err := userRowByName(ctx, db, name)
	if errors.Is(err, ErrNotFound) {
		_, _, _ = VerifyPassword(dummyHash(), password)
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	ok, rehash, err := VerifyPassword(row.PasswordHash, password)
	if err != nil {
		return User{}, fmt.Errorf("user %q: stored password hash: %w", name, err)
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	if rehash {
		if hash, err := HashPassword(password); err == nil {
			// Only while the hash is the one checked: a password set meanwhile wins.
			if err := db.WithContext(ctx).Model(&userRow{}).Where("id = ? AND password_hash = ?", row.ID, row.PasswordHash).
				Update("password_hash", hash).Error; err != nil {
				return User{}, fmt.Errorf("user %q: rehashing the password: %w", name, err)
			}
		}
	}
	return row.user(), nil
}

// UserChange is a PATCH of a user: nil fields stay as they are.
type UserChange struct {
	Password *string
	Roles    *RoleSet
}

// UpdateUser changes a user's password and/or roles. Taking the admin role from the last admin
// is ErrLastAdmin. A new password ends the user's sessions except keepSession (the session of
// the request that changed it, if any; "" for none).
func UpdateUser(ctx context.Context, db *gorm.DB, name string, ch UserChange, keepSession string) (User, error) {
	var hash string
	if ch.Password != nil {
		if err := ValidatePassword(*ch.Password); err != nil {
			return User{}, err
		}
		var err error
		if hash, err = HashPassword(*ch.Password); err != nil {
			return User{}, err
		}
	}
	var out User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := lockUser(tx, name)
		if err != nil {
			return err
		}
		if ch.Roles != nil && row.RoleAdmin && !ch.Roles.Admin {
			if err := requireOtherAdmin(tx, row.ID); err != nil {
				return err
			}
		}
		updates := map[string]any{"updated_at": micros(time.Now())}
		if ch.Roles != nil {
			updates["role_admin"], updates["role_shop"], updates["role_backup"] = ch.Roles.Admin, ch.Roles.Shop, ch.Roles.Backup
		}
		if hash != "" {
			updates["password_hash"] = hash
		}
		if err := tx.Model(&userRow{}).Where("id = ?", row.ID).Updates(updates).Error; err != nil {
			return fmt.Errorf("updating user %q: %w", name, err)
		}
		if hash != "" {
			if err := tx.Where("user_id = ? AND id_hash <> ?", row.ID, keepSession).Delete(&sessionRow{}).Error; err != nil {
				return fmt.Errorf("ending the sessions of %q: %w", name, err)
			}
		}
		var fresh userRow
		if err := tx.Where("id = ?", row.ID).Take(&fresh).Error; err != nil {
			return err
		}
		out = fresh.user()
		return nil
	})
	return out, err
}

// DeleteUser removes a user with its sessions and tokens; deleting the last admin is
// ErrLastAdmin.
func DeleteUser(ctx context.Context, db *gorm.DB, name string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := lockUser(tx, name)
		if err != nil {
			return err
		}
		if row.RoleAdmin {
			if err := requireOtherAdmin(tx, row.ID); err != nil {
				return err
			}
		}
		// Sessions and tokens go with the user (ON DELETE CASCADE).
		if err := tx.Where("id = ?", row.ID).Delete(&userRow{}).Error; err != nil {
			return fmt.Errorf("deleting user %q: %w", name, err)
		}
		return nil
	})
}

// lockUser reads a user inside a write transaction. On PostgreSQL it locks every admin row
// too, so that two transactions each demoting one of the last two admins cannot both pass
// requireOtherAdmin; SQLite's write transactions are serial already.
func lockUser(tx *gorm.DB, name string) (userRow, error) {
	if tx.Dialector.Name() == "postgres" {
		if err := tx.Exec("SELECT id FROM users WHERE role_admin OR username = ? ORDER BY id FOR UPDATE", name).Error; err != nil {
			return userRow{}, err
		}
	}
	return userRowByName(tx.Statement.Context, tx, name)
}

func requireOtherAdmin(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&userRow{}).Where("role_admin AND id <> ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}
