package account

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Authenticator checks user names and passwords, remembering recent successes for a few
// minutes: a console sends HTTP Basic with every request (the index, then each range of each
// download), and argon2id costs tens of milliseconds and 19 MiB each time by design. A
// remembered success is keyed by the stored hash too, so a changed password or a deleted user
// is honoured at once, by every replica.
type Authenticator struct {
	db *gorm.DB

	mu   sync.Mutex
	seen map[[32]byte]time.Time
}

const (
	rememberSuccess  = 5 * time.Minute
	maxRememberCount = 10_000
)

// NewAuthenticator checks credentials against db.
func NewAuthenticator(db *gorm.DB) *Authenticator {
	return &Authenticator{db: db, seen: map[[32]byte]time.Time{}}
}

// Authenticate is the package's Authenticate, remembering successes.
func (a *Authenticator) Authenticate(ctx context.Context, name, password string) (User, error) {
	if len(password) > maxPasswordLen {
		return User{}, ErrBadCredentials
	}
	row, err := userRowByName(ctx, a.db, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	if err == nil {
		key := sha256.Sum256([]byte(row.PasswordHash + "\x00" + name + "\x00" + password))
		a.mu.Lock()
		until, ok := a.seen[key]
		a.mu.Unlock()
		if ok && time.Now().Before(until) {
			return row.user(), nil
		}
	}
	u, err := Authenticate(ctx, a.db, name, password)
	if err != nil {
		return u, err
	}
	// Keyed by the hash now stored (Authenticate may have replaced an imported one).
	if row, err := userRowByName(ctx, a.db, name); err == nil {
		key := sha256.Sum256([]byte(row.PasswordHash + "\x00" + name + "\x00" + password))
		a.mu.Lock()
		if len(a.seen) >= maxRememberCount {
			clear(a.seen)
		}
		a.seen[key] = time.Now().Add(rememberSuccess)
		a.mu.Unlock()
	}
	return u, nil
}
