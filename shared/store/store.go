// Package store opens shelf's database for every service and keeps its schema
// current. SQLite (one file on a volume shared by all processes on one host) is
// the default; the dialect code lives here so the rest of shelf stays portable.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database family behind a *gorm.DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf reports which database db talks to.
func DialectOf(db *gorm.DB) Dialect {
	if db.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

// Options tune Open. The zero value is the production default.
type Options struct {
	// Synchronous is SQLite's synchronous pragma. Defaults to NORMAL: in WAL
	// mode a power loss can lose the last transactions but never corrupts the
	// file, and it is ~5x faster than FULL, which fsyncs every commit. A
	// killed process (not a power loss) loses nothing with NORMAL.
	Synchronous string
	// BusyTimeout is how long a connection waits for the write lock before
	// SQLITE_BUSY. Defaults to 10 seconds.
	BusyTimeout time.Duration
	// MaxOpenConns bounds the pool. Defaults to 8.
	MaxOpenConns int
}

// Open opens the database named by dsn and applies pending migrations.
// dsn is a SQLite file path (or "file:" URL). Every service calls this one
// function, so all processes share the same connection settings.
func Open(ctx context.Context, dsn string, opts Options) (*gorm.DB, error) {
	if opts.Synchronous == "" {
		opts.Synchronous = "NORMAL"
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = 8
	}
	if IsPostgresURL(dsn) {
		return openPostgres(ctx, dsn, opts)
	}
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("opening database: creating %s: %w", dir, err)
		}
	}
	db, err := gorm.Open(sqlite.Open(sqliteDSN(path, opts)), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	file, err := SQLiteFile(ctx, sqlDB)
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	installGate(db, sqlDB, file, opts.BusyTimeout)
	return finishOpen(ctx, db, path, opts)
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Default.LogMode(logger.Silent),
	}
}

// finishOpen sizes the pool and migrates.
func finishOpen(ctx context.Context, db *gorm.DB, name string, opts Options) (*gorm.DB, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", name, err)
	}
	sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opts.MaxOpenConns)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("opening database %s: %w", name, err)
	}
	if err := Migrate(ctx, db); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// IsPostgresURL reports whether dsn names a PostgreSQL database.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres opens a PostgreSQL database (pgx through GORM): the same
// schema and queue, for workers on many hosts.
func openPostgres(ctx context.Context, dsn string, opts Options) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL database: %w", err)
	}
	return finishOpen(ctx, db, RedactURL(dsn), opts)
}

// PostgresURL returns the URL a PostgreSQL db was opened with ("" for
// SQLite), for connections GORM can't provide, such as LISTEN.
func PostgresURL(db *gorm.DB) string {
	if d, ok := db.Dialector.(*postgres.Dialector); ok {
		return d.Config.DSN
	}
	return ""
}

// RedactURL hides the password of a database URL, for logs and errors.
func RedactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable database URL)"
	}
	return u.Redacted()
}

// sqliteDSN builds the connection string. Pragmas are per connection, so they
// go in the DSN and every pooled connection gets them. busy_timeout comes
// first so that switching to WAL on a brand-new file waits for a concurrent
// opener instead of failing. _txlock=immediate makes every transaction take
// the write lock at BEGIN: a deferred transaction that reads and then writes
// gets SQLITE_BUSY without waiting. No _time_format: in glebarez/go-sqlite it
// silently disables _txlock.
func sqliteDSN(path string, opts Options) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+opts.Synchronous+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the pool behind db (and its write gate's lock file).
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	err = sqlDB.Close()
	if g := WriteGate(db); g != nil && g.lock != nil {
		_ = g.lock.Close()
	}
	return err
}

// IsBusy reports whether err is a transient conflict that a caller may
// retry: SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED), or a
// PostgreSQL deadlock or serialization failure.
func IsBusy(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked") ||
		strings.Contains(s, "SQLITE_LOCKED")
}

// NumberPlaceholders turns the ? placeholders of query into PostgreSQL's $1,
// $2, …, leaving question marks inside string literals alone.
func NumberPlaceholders(query string) string {
	var b strings.Builder
	n := 0
	quoted := false
	for _, r := range query {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
