package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TokenPrefix starts every per-user API token, so a leaked one is recognisable (secret
// scanners) and never mistaken for SHELF_API_TOKEN.
const TokenPrefix = "shelf_"

// tokenUseEvery bounds how often a token's last use is written: once a minute per token.
const tokenUseEvery = time.Minute

// tokenRow is a row of api_tokens; the token itself is stored as its SHA-256 only.
type tokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	TokenHash  string
	CreatedAt  int64 `gorm:"autoCreateTime:false"`
	LastUsedAt *int64
}

func (tokenRow) TableName() string { return "api_tokens" }

// Token is a per-user API token without its secret.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func (r tokenRow) token() Token {
	t := Token{ID: r.ID, Name: r.Name, CreatedAt: fromMicros(r.CreatedAt)}
	if r.LastUsedAt != nil {
		used := fromMicros(*r.LastUsedAt)
		t.LastUsedAt = &used
	}
	return t
}

// CreateToken makes a token for u named name and returns it with its secret, which is shown
// this once and never stored. A name the user already gave a token is ErrExists.
func CreateToken(ctx context.Context, db *gorm.DB, u User, name string) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > maxTokenName {
		return Token{}, "", &InvalidError{"name", fmt.Sprintf("must be 1 to %d characters", maxTokenName)}
	}
	secret, _, err := newSecret()
	if err != nil {
		return Token{}, "", err
	}
	secret = TokenPrefix + secret
	row := tokenRow{UserID: u.ID, Name: name, TokenHash: digestOf(secret), CreatedAt: micros(time.Now())}
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return Token{}, "", fmt.Errorf("creating token %q: %w", name, res.Error)
	}
	if res.RowsAffected == 0 {
		return Token{}, "", fmt.Errorf("token %q: %w", name, ErrExists)
	}
	return row.token(), secret, nil
}

// ListTokens returns u's tokens, oldest first.
func ListTokens(ctx context.Context, db *gorm.DB, u User) ([]Token, error) {
	var rows []tokenRow
	if err := db.WithContext(ctx).Where("user_id = ?", u.ID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	out := make([]Token, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// RevokeToken deletes u's token id; ErrNotFound when u has no such token.
func RevokeToken(ctx context.Context, db *gorm.DB, u User, id int64) error {
	res := db.WithContext(ctx).Where("id = ? AND user_id = ?", id, u.ID).Delete(&tokenRow{})
	if res.Error != nil {
		return fmt.Errorf("revoking token %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("token %d: %w", id, ErrNotFound)
	}
	return nil
}

// UserByToken returns the user a token belongs to; ErrNotFound for an unknown (or revoked)
// token. The lookup is by the token's digest, so its timing tells nothing of stored tokens.
// It records the use at most once a minute.
func UserByToken(ctx context.Context, db *gorm.DB, secret string) (User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return User{}, ErrNotFound
	}
	var rows []struct {
		TokenID   int64
		TokenUsed *int64
		User      userRow `gorm:"embedded"`
	}
	err := db.WithContext(ctx).Raw(`SELECT t.id AS token_id, t.last_used_at AS token_used, u.*
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, digestOf(secret)).Scan(&rows).Error
	if err != nil {
		return User{}, fmt.Errorf("reading a token: %w", err)
	}
	if len(rows) == 0 {
		return User{}, ErrNotFound
	}
	r := rows[0]
	now := time.Now()
	if r.TokenUsed == nil || now.Sub(fromMicros(*r.TokenUsed)) >= tokenUseEvery {
		if err := db.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", r.TokenID).
			Update("last_used_at", micros(now)).Error; err != nil {
			return User{}, fmt.Errorf("recording a token's use: %w", err)
		}
	}
	return r.User.user(), nil
}
