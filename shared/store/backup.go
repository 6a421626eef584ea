package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// Backup writes a consistent snapshot of a SQLite database to path with
// VACUUM INTO: it reads one transaction's view, so workers may go on
// writing meanwhile, and the result is a compact, self-contained database
// file (no WAL) that Open can use directly. Restoring is copying it back
// to the data dir while the services are stopped. path must not exist.
func Backup(ctx context.Context, db *gorm.DB, path string) error {
	if DialectOf(db) != SQLite {
		return fmt.Errorf("backup: use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := path + ".partial"
	_ = os.Remove(tmp)
	quoted := "'" + strings.ReplaceAll(tmp, "'", "''") + "'"
	if err := db.WithContext(ctx).Exec("VACUUM INTO " + quoted).Error; err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns its
// complaints (none means the file is sound).
func IntegrityCheck(ctx context.Context, db *gorm.DB) ([]string, error) {
	if DialectOf(db) != SQLite {
		return nil, nil
	}
	var lines []string
	if err := db.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&lines).Error; err != nil {
		return nil, err
	}
	if len(lines) == 1 && lines[0] == "ok" {
		return nil, nil
	}
	return lines, nil
}

// CheckFile runs IntegrityCheck on the SQLite file at path, opened read-only so that checking a
// backup leaves it as it was, and makes sure the file is a shelf database (it has the migrations
// table). No complaints and no error mean the file can be used as shelf.db.
func CheckFile(ctx context.Context, path string) ([]string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	db, err := gorm.Open(sqlite.Open("file:"+path+"?"+q.Encode()), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer Close(db)
	problems, err := IntegrityCheck(ctx, db)
	if err != nil || len(problems) > 0 {
		return problems, err
	}
	var version int
	if err := db.WithContext(ctx).Raw("SELECT MAX(version) FROM schema_migrations").Scan(&version).Error; err != nil {
		return nil, fmt.Errorf("%s is not a shelf database: %w", path, err)
	}
	return nil, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
