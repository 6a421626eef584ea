package queue

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// Options configure a Queue. The zero value gives the defaults.
type Options struct {
	// DefaultMaxAttempts applies when neither the enqueue nor the task's
	// definition sets one. Defaults to 5.
	DefaultMaxAttempts int
	// LeaseTimeout is how long a claimed task stays held without a renewal.
	// Defaults to 30 seconds.
	LeaseTimeout time.Duration
	// Backoff returns the delay before retry number attempt (1-based).
	// Defaults to exponential backoff from 1s, capped at 1h, with ±20% jitter.
	Backoff func(attempt int) time.Duration
	// Now returns the current time. Defaults to time.Now; tests override it.
	Now func() time.Time
}

// Queue is the task queue over one database. It is safe for concurrent use
// and cheap to share; every process makes one.
type Queue struct {
	db       *gorm.DB
	dialect  store.Dialect
	registry *Registry
	opts     Options

	w           *writer // SQLite only
	writeMu     sync.Mutex
	gate        *store.Gate
	busyRetries atomic.Uint64
}

// New returns a queue over db (opened by store.Open) with task types from reg.
func New(db *gorm.DB, reg *Registry, opts Options) *Queue {
	if opts.DefaultMaxAttempts <= 0 {
		opts.DefaultMaxAttempts = 5
	}
	if opts.LeaseTimeout <= 0 {
		opts.LeaseTimeout = 30 * time.Second
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := &Queue{db: db, dialect: store.DialectOf(db), registry: reg, opts: opts}
	if q.dialect == store.SQLite {
		q.w = &writer{db: db}
		q.gate = store.WriteGate(db)
	}
	return q
}

// DefaultBackoff waits 1s, 2s, 4s … up to 1h, each ±20% so that retries of
// tasks that failed together spread out.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Hour
	if attempt < 13 {
		d = min(time.Second<<max(attempt-1, 0), time.Hour)
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// DB returns the underlying database handle.
func (q *Queue) DB() *gorm.DB { return q.db }

// Registry returns the task registry.
func (q *Queue) Registry() *Registry { return q.registry }

// LeaseTimeout is the configured lease duration.
func (q *Queue) LeaseTimeout() time.Duration { return q.opts.LeaseTimeout }

// BusyRetries counts write transactions retried after SQLITE_BUSY.
func (q *Queue) BusyRetries() uint64 { return q.busyRetries.Load() }

func (q *Queue) now() time.Time { return q.opts.Now() }

// write runs fn in a write transaction, retrying when the database is busy
// (another process held SQLite's write lock past busy_timeout), so callers
// never see SQLITE_BUSY. On SQLite it runs on the process's pinned write
// connection.
func (q *Queue) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if q.w != nil {
		return q.retryBusy(ctx, func() error { return q.w.tx(ctx, fn) })
	}
	return q.retryBusy(ctx, func() error { return q.db.WithContext(ctx).Transaction(fn) })
}

// writeInserts is write for a transaction whose inserted tasks reference no
// task that may be missing: tasks without a parent, or children of the task
// the same transaction has just updated. On SQLite it runs with the
// connection's foreign-key checks off. A checked reference lets a multi-row
// INSERT abort halfway, so SQLite keeps a statement journal of every page
// each statement changes; a batch of 100,000 under random dedup keys wrote
// 372,000 journal pages for it, against 50,000 writes without.
func (q *Queue) writeInserts(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if q.w != nil {
		return q.retryBusy(ctx, func() error { return q.w.txUnreferenced(ctx, fn) })
	}
	return q.write(ctx, fn)
}

// writeAuto runs autocommit write statements (a single statement needs no
// BEGIN/COMMIT) with the same connection, locks and busy retries as write.
func (q *Queue) writeAuto(ctx context.Context, fn func(db *gorm.DB) error) error {
	if q.w != nil {
		return q.retryBusy(ctx, func() error {
			s, err := q.w.session(ctx)
			if err != nil {
				return err
			}
			return fn(s)
		})
	}
	return q.retryBusy(ctx, func() error { return fn(q.db.WithContext(ctx)) })
}

func (q *Queue) retryBusy(ctx context.Context, do func() error) error {
	if q.w != nil {
		q.writeMu.Lock()
		defer q.writeMu.Unlock()
	}
	delay := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := q.locked(ctx, do)
		if err == nil || !store.IsBusy(err) || attempt >= 20 || ctx.Err() != nil {
			return err
		}
		q.busyRetries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay + time.Duration(rand.Int64N(int64(delay)))):
		}
		delay = min(delay*2, time.Second)
	}
}

// locked runs do on this SQLite database's write turn (store.Gate), which
// GORM's transactions take too.
func (q *Queue) locked(ctx context.Context, do func() error) error {
	if q.gate == nil {
		return do()
	}
	if err := q.gate.Acquire(ctx); err != nil {
		return err
	}
	defer q.gate.Release()
	return do()
}

// execer is what both *sql.DB and *sql.Tx offer; GORM keeps one of them in
// Statement.ConnPool. The hot paths use it directly: GORM's statement
// builder costs more than the SQL itself for these one-line queries.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (q *Queue) conn(tx *gorm.DB) execer {
	return tx.Statement.ConnPool.(execer)
}

func (q *Queue) exec(ctx context.Context, tx *gorm.DB, query string, args ...any) (sql.Result, error) {
	return q.conn(tx).ExecContext(ctx, q.rebind(query), args...)
}

func (q *Queue) query(ctx context.Context, tx *gorm.DB, query string, args ...any) (*sql.Rows, error) {
	return q.conn(tx).QueryContext(ctx, q.rebind(query), args...)
}

func (q *Queue) queryRow(ctx context.Context, tx *gorm.DB, query string, args ...any) *sql.Row {
	return q.conn(tx).QueryRowContext(ctx, q.rebind(query), args...)
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (q *Queue) rebind(query string) string {
	if q.dialect != store.Postgres {
		return query
	}
	return store.NumberPlaceholders(query)
}
