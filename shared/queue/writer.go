package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// writer is this process's one SQLite write connection. SQLite lets one
// connection write at a time anyway, so the process funnels its queue
// writes through a single pinned connection, in order, and keeps its
// statements prepared: parsing SQL costs more than running these one-line
// statements. Each write waits for the database's write turn (store.Gate),
// shared with GORM's transactions and other processes, not on SQLite's busy
// handler.
type writer struct {
	db    *gorm.DB
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// maxCachedStatements bounds the cache: batch statements vary in length.
const maxCachedStatements = 256

// session returns a *gorm.DB whose queries run on the pinned connection.
func (w *writer) session(ctx context.Context) (*gorm.DB, error) {
	if w.conn == nil {
		sqlDB, err := w.db.DB()
		if err != nil {
			return nil, err
		}
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("opening the write connection: %w", err)
		}
		w.conn, w.stmts = conn, map[string]*sql.Stmt{}
	}
	s := w.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	s.Statement.ConnPool = pinned{w}
	return s, nil
}

// reset drops the connection after an error that may have broken it.
func (w *writer) reset() {
	if w.conn == nil {
		return
	}
	for _, s := range w.stmts {
		_ = s.Close()
	}
	_ = w.conn.Close()
	w.conn, w.stmts = nil, nil
}

func (w *writer) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	s, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(w.stmts) >= maxCachedStatements {
		for q, old := range w.stmts {
			_ = old.Close()
			delete(w.stmts, q)
			break
		}
	}
	w.stmts[query] = s
	return s, nil
}

// tx runs fn between BEGIN IMMEDIATE and COMMIT on the pinned connection.
func (w *writer) tx(ctx context.Context, fn func(tx *gorm.DB) error) (err error) {
	s, err := w.session(ctx)
	if err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		w.reset()
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			w.rollback()
			panic(p)
		}
		if err != nil {
			w.rollback()
			return
		}
		if _, cerr := w.conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); cerr != nil {
			w.rollback()
			err = cerr
		}
	}()
	return fn(s)
}

// txUnreferenced runs fn like tx with foreign-key checks off (the pragma is
// a no-op inside a transaction, so it goes around BEGIN and COMMIT). A
// connection whose checks can't be turned back on is dropped: a new one
// opens with them on.
func (w *writer) txUnreferenced(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if _, err := w.session(ctx); err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		w.reset()
		return err
	}
	defer func() {
		if w.conn == nil {
			return
		}
		if _, err := w.conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); err != nil {
			w.reset()
		}
	}()
	return w.tx(ctx, fn)
}

func (w *writer) rollback() {
	if _, err := w.conn.ExecContext(context.Background(), "ROLLBACK"); err != nil &&
		!errors.Is(err, sql.ErrConnDone) {
		// "no transaction is active" after SQLite rolled back by itself is
		// fine; anything else means the connection is suspect.
		w.reset()
	}
}

// pinned is the gorm.ConnPool that runs statements prepared on the write
// connection.
type pinned struct{ w *writer }

func (p pinned) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.w.conn.PrepareContext(ctx, query)
}

func (p pinned) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p pinned) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p pinned) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.w.stmt(ctx, query)
	if err != nil {
		// database/sql offers no way to build a *sql.Row holding an error;
		// run it unprepared so the error surfaces from Scan.
		return p.w.conn.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}
