package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// copyOrder lists the tables to copy, parents before the tables that
// reference them. Within tasks, ids ascend, so a parent precedes its children.
var copyOrder = []string{"tasks", "workers", "libraries", "files", "apps", "file_apps", "titles", "ignored_events",
	"file_downloads", "users", "sessions", "api_tokens"}

// identityTables have an id column whose PostgreSQL identity must continue
// after the copied rows.
var identityTables = map[string]bool{"tasks": true, "libraries": true, "files": true, "apps": true,
	"titles": true, "ignored_events": true, "users": true, "api_tokens": true}

// CopiedTables lists the tables Copy moves, in the order it moves them.
func CopiedTables() []string { return slices.Clone(copyOrder) }

// CountRows counts the rows of table (one of CopiedTables).
func CountRows(ctx context.Context, db *gorm.DB, table string) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error
	return n, err
}

// CopyResult counts the rows copied per table.
type CopyResult map[string]int

// Copy moves every row of src into dst (both opened by Open, so both
// migrated), table by table in one transaction on dst: either everything
// arrives or nothing does. dst must be empty. It is how a user moves from
// SQLite to PostgreSQL without losing tasks or catalog rows; stop the
// services first so src doesn't change during the copy.
func Copy(ctx context.Context, src, dst *gorm.DB) (CopyResult, error) {
	result := CopyResult{}
	err := dst.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, table := range copyOrder {
			existing, err := CountRows(ctx, tx, table)
			if err != nil {
				return err
			}
			if existing > 0 {
				return fmt.Errorf("destination table %s is not empty (%d rows)", table, existing)
			}
			n, err := copyTable(ctx, src, tx, table)
			if err != nil {
				return fmt.Errorf("copying %s: %w", table, err)
			}
			result[table] = n
			if DialectOf(dst) == Postgres && identityTables[table] {
				if err := tx.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'),
					COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)`, table, table)).Error; err != nil {
					return fmt.Errorf("resetting %s ids: %w", table, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

func copyTable(ctx context.Context, src, dst *gorm.DB, table string) (int, error) {
	order := ""
	if identityTables[table] {
		order = " ORDER BY id"
	}
	rows, err := src.WithContext(ctx).Raw("SELECT * FROM " + table + order).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	insert := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			vals[i] = portable(v, types[i])
		}
		if err := dst.Exec(insert, vals...).Error; err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// portable turns SQLite's loosely typed values into ones PostgreSQL's
// columns accept: []byte text as string, 0/1 as booleans.
func portable(v any, t *sql.ColumnType) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if strings.EqualFold(t.DatabaseTypeName(), "BOOLEAN") {
		switch x := v.(type) {
		case int64:
			return x != 0
		case string:
			return x == "1" || strings.EqualFold(x, "true")
		}
	}
	return v
}
