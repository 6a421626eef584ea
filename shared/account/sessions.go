package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Session lifetimes: a session unused for SessionIdle ends; one is renewed at most once per
// sessionRenewEvery, so a busy browser costs one write an hour, not one per request.
const (
	SessionIdle       = 14 * 24 * time.Hour
	sessionRenewEvery = time.Hour
)

// sessionRow is a row of sessions. Only the SHA-256 of the session id is stored: the id is a
// bearer secret, and a copy of the database must not be one.
type sessionRow struct {
	IDHash    string `gorm:"primaryKey;column:id_hash"`
	UserID    int64
	CreatedAt int64 `gorm:"autoCreateTime:false"`
	ExpiresAt int64
}

func (sessionRow) TableName() string { return "sessions" }

// Session is a browser's login: its id goes in the cookie, its Key identifies it in the
// database and in the CSRF token.
type Session struct {
	// ID is the secret the cookie holds (never stored).
	ID string
	// Key is the stored digest of ID.
	Key       string
	User      User
	ExpiresAt time.Time
}

// newSecret returns 32 random bytes in URL-safe base64 and its digest in hex.
func newSecret() (secret, digest string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("random: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, digestOf(secret), nil
}

func digestOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for u.
func CreateSession(ctx context.Context, db *gorm.DB, u User) (Session, error) {
	id, key, err := newSecret()
	if err != nil {
		return Session{}, err
	}
	now := time.Now()
	row := sessionRow{IDHash: key, UserID: u.ID, CreatedAt: micros(now), ExpiresAt: micros(now.Add(SessionIdle))}
	if err := db.WithContext(ctx).Create(&row).Error; err != nil {
		return Session{}, fmt.Errorf("starting a session for %q: %w", u.Username, err)
	}
	return Session{ID: id, Key: key, User: u, ExpiresAt: fromMicros(row.ExpiresAt)}, nil
}

// SessionByID returns the live session whose cookie holds id, with its user as it is now;
// ErrNotFound when there is none or it has expired. It renews the expiry at most once per
// hour.
func SessionByID(ctx context.Context, db *gorm.DB, id string) (Session, error) {
	if id == "" || len(id) > 100 {
		return Session{}, ErrNotFound
	}
	key := digestOf(id)
	now := time.Now()
	var rows []struct {
		SessionExpires int64
		User           userRow `gorm:"embedded"`
	}
	err := db.WithContext(ctx).Raw(`SELECT s.expires_at AS session_expires, u.*
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`, key, micros(now)).
		Scan(&rows).Error
	if err != nil {
		return Session{}, fmt.Errorf("reading a session: %w", err)
	}
	if len(rows) == 0 {
		return Session{}, ErrNotFound
	}
	r := rows[0]
	expires := fromMicros(r.SessionExpires)
	if renewed := now.Add(SessionIdle); renewed.Sub(expires) >= sessionRenewEvery {
		if err := db.WithContext(ctx).Model(&sessionRow{}).Where("id_hash = ?", key).
			Update("expires_at", micros(renewed)).Error; err != nil {
			return Session{}, fmt.Errorf("renewing a session: %w", err)
		}
		expires = renewed
	}
	return Session{ID: id, Key: key, User: r.User.user(), ExpiresAt: expires}, nil
}

// DeleteSession ends the session whose cookie holds id (logout); none is no error.
func DeleteSession(ctx context.Context, db *gorm.DB, id string) error {
	if err := db.WithContext(ctx).Where("id_hash = ?", digestOf(id)).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("ending a session: %w", err)
	}
	return nil
}

// PruneSessions deletes expired sessions and returns how many.
func PruneSessions(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("expires_at <= ?", micros(now)).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("pruning sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
