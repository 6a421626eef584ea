package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Migration is one versioned schema change. Versions are applied in order and
// recorded in schema_migrations, each exactly once.
type Migration struct {
	Version int
	Name    string
	// SQLite is the statement list for SQLite, Postgres the one for PostgreSQL.
	SQLite   []string
	Postgres []string
}

// Migrate applies every migration not yet recorded. All of it happens in one
// write transaction: on SQLite BEGIN IMMEDIATE takes the single writer lock,
// so when several processes start together on an empty file one applies the
// migrations and the others, once they get the lock, find them recorded.
func Migrate(ctx context.Context, db *gorm.DB) error {
	dialect := DialectOf(db)
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7294501)").Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at BIGINT NOT NULL)`).Error; err != nil {
			return err
		}
		var applied []int
		if err := tx.Raw("SELECT version FROM schema_migrations").Scan(&applied).Error; err != nil {
			return err
		}
		done := make(map[int]bool, len(applied))
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if done[m.Version] {
				continue
			}
			stmts := m.SQLite
			if dialect == Postgres {
				stmts = m.Postgres
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
				}
			}
			if err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().Unix()).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrating database: %w", err)
	}
	return nil
}

// Migrated reports whether every known migration is applied (for readiness).
func Migrated(ctx context.Context, db *gorm.DB) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM schema_migrations").Scan(&n).Error; err != nil {
		return false, err
	}
	return int(n) >= len(migrations), nil
}

// LatestVersion is the highest migration version shelf knows.
func LatestVersion() int { return migrations[len(migrations)-1].Version }
