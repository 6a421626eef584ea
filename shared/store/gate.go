package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"gorm.io/gorm"
)

// Gate is the turn to write a SQLite database: a semaphore for this process,
// then flock on <database>-writer.lock for all processes. Every transaction
// through GORM takes it (a transaction takes SQLite's write lock at BEGIN,
// see sqliteDSN), and so do the queue's writes. SQLite's own busy handler
// sleeps and polls (1, 2, 5, 10 … 100 ms), so a writer that finds the lock
// taken goes on sleeping long after it is free: the pipeline's catalog
// transactions and the queue's commits slept that way in every scan. A
// waiter on the gate is woken at once, in order.
type Gate struct {
	turn    chan struct{}
	lock    *os.File // nil for an in-memory database or a read-only folder: this process only
	timeout time.Duration
}

// ErrGateTimeout is a write that waited its busy timeout for its turn; IsBusy
// reports it, like SQLite's own "database is locked".
var ErrGateTimeout = errors.New("database is locked: waited too long for the write turn")

// WriteGate returns the gate of a SQLite database opened by Open, or nil
// (PostgreSQL, or a handle from elsewhere).
func WriteGate(db *gorm.DB) *Gate {
	if p, ok := db.Config.ConnPool.(gatedPool); ok {
		return p.gate
	}
	return nil
}

// Acquire waits for the turn, at most the busy timeout.
func (g *Gate) Acquire(ctx context.Context) error {
	select {
	case g.turn <- struct{}{}: // free: no timer on every write
	default:
		if err := g.wait(ctx); err != nil {
			return err
		}
	}
	if g.lock != nil {
		for unix.Flock(int(g.lock.Fd()), unix.LOCK_EX) == unix.EINTR {
		}
	}
	return nil
}

// wait waits for the turn within this process.
func (g *Gate) wait(ctx context.Context) error {
	t := time.NewTimer(g.timeout)
	defer t.Stop()
	select {
	case g.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrGateTimeout
	}
}

// Release gives the turn back.
func (g *Gate) Release() {
	if g.lock != nil {
		_ = unix.Flock(int(g.lock.Fd()), unix.LOCK_UN)
	}
	<-g.turn
}

// installGate puts a gate in front of db's transactions. file is the
// database's file ("" in memory).
func installGate(db *gorm.DB, sqlDB *sql.DB, file string, timeout time.Duration) {
	g := &Gate{turn: make(chan struct{}, 1), timeout: timeout}
	if file != "" {
		if f, err := os.OpenFile(file+"-writer.lock", os.O_RDWR|os.O_CREATE, 0o644); err == nil {
			g.lock = f
		}
	}
	pool := gatedPool{DB: sqlDB, gate: g}
	db.Config.ConnPool = pool
	db.Statement.ConnPool = pool
}

// SQLiteFile is the file of the SQLite database that q (a *sql.DB or a
// *sql.Conn) is on, "" in memory.
func SQLiteFile(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	var seq int
	var name, file string
	if err := q.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return "", fmt.Errorf("reading the database's file name: %w", err)
	}
	return file, nil
}

// gatedPool is GORM's connection pool with transactions that begin on the
// gate; statements outside a transaction run as they are.
type gatedPool struct {
	*sql.DB
	gate *Gate
}

// GetDBConn lets gorm.DB.DB() find the *sql.DB.
func (p gatedPool) GetDBConn() (*sql.DB, error) { return p.DB, nil }

// ExecContext runs a statement outside a transaction on the turn: an Exec
// writes (the organizer's journal, the api's session touches).
func (p gatedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.gate.Acquire(ctx); err != nil {
		return nil, err
	}
	defer p.gate.Release()
	return p.DB.ExecContext(ctx, query, args...)
}

// QueryContext takes the turn for a query that writes (INSERT … RETURNING,
// as GORM's Create is on SQLite), told by its first word, until the query
// has run its first step; reading its rows goes on after. A write it misses
// still works, on SQLite's busy handler.
func (p gatedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !isWrite(query) {
		return p.DB.QueryContext(ctx, query, args...)
	}
	if err := p.gate.Acquire(ctx); err != nil {
		return nil, err
	}
	defer p.gate.Release()
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext is QueryContext's for one row (GORM's Row, Scan of one).
func (p gatedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if !isWrite(query) {
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	if err := p.gate.Acquire(ctx); err != nil {
		// database/sql builds no *sql.Row with an error: the query runs
		// without the turn, on SQLite's busy handler.
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	defer p.gate.Release()
	return p.DB.QueryRowContext(ctx, query, args...)
}

// isWrite reports whether a statement's first word makes it a write.
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	for _, w := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE"} {
		if len(q) >= len(w) && strings.EqualFold(q[:len(w)], w) {
			return true
		}
	}
	return false
}

// BeginTx is gorm.ConnPoolBeginner's.
func (p gatedPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	if err := p.gate.Acquire(ctx); err != nil {
		return nil, err
	}
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		p.gate.Release()
		return nil, err
	}
	return &gatedTx{Tx: tx, db: p.DB, gate: p.gate}, nil
}

// gatedTx gives the turn back when it ends, once.
type gatedTx struct {
	*sql.Tx
	db   *sql.DB
	gate *Gate
	done sync.Once
}

// GetDBConn lets gorm.DB.DB() find the *sql.DB inside a transaction too.
func (t *gatedTx) GetDBConn() (*sql.DB, error) { return t.db, nil }

func (t *gatedTx) Commit() error {
	defer t.end()
	return t.Tx.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.end()
	return t.Tx.Rollback()
}

func (t *gatedTx) end() { t.done.Do(t.gate.Release) }
