package catalog

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// The multi-row statements a batch of files costs run straight on the
// connection GORM holds (Statement.ConnPool: the transaction's *sql.Tx, or
// the *sql.DB), with their text built once per row count: GORM's Raw and
// Exec rebuild the text from the arguments on every call, and Raw(…).Scan
// also renders it with every value inlined (logger.ExplainSQL, whatever the
// log level), which was a tenth of all a 100,000-file first scan allocated.

// rowsStatement is a statement whose middle is a comma-separated list of
// one part per row: head, n times row, tail. Placeholders are ?, numbered
// $1, $2, … for PostgreSQL.
type rowsStatement struct {
	head, row, tail string

	mu    sync.Mutex
	texts map[textKey]string
}

type textKey struct {
	dialect store.Dialect
	rows    int
}

// keptTexts bounds the texts a statement keeps: the full batch size and a
// few others come back all the time, a batch's odd remainders rarely.
const keptTexts = 8

// text returns the statement's text for n rows in db's dialect.
func (s *rowsStatement) text(db *gorm.DB, n int) string {
	key := textKey{store.DialectOf(db), n}
	s.mu.Lock()
	t, ok := s.texts[key]
	s.mu.Unlock()
	if ok {
		return t
	}
	var b strings.Builder
	b.WriteString(s.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.row)
	}
	b.WriteString(s.tail)
	t = b.String()
	if key.dialect == store.Postgres {
		t = store.NumberPlaceholders(t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.texts == nil {
		s.texts = map[textKey]string{}
	}
	if len(s.texts) < keptTexts {
		s.texts[key] = t
	}
	return t
}

// exec runs the statement for n rows with args on db's connection.
func (s *rowsStatement) exec(db *gorm.DB, n int, args []any) (sql.Result, error) {
	return db.Statement.ConnPool.ExecContext(statementContext(db), s.text(db, n), args...)
}

// query runs the statement for n rows with args on db's connection.
func (s *rowsStatement) query(db *gorm.DB, n int, args []any) (*sql.Rows, error) {
	return db.Statement.ConnPool.QueryContext(statementContext(db), s.text(db, n), args...)
}

func statementContext(db *gorm.DB) context.Context {
	if db.Statement.Context != nil {
		return db.Statement.Context
	}
	return context.Background()
}

// scanIDs appends the single int64 column of each row to ids and closes
// rows.
func scanIDs(rows *sql.Rows, ids []int64) ([]int64, error) {
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
