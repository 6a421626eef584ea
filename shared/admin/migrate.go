package admin

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// MigrateDB copies the SQLite database at from into the PostgreSQL database at to with
// store.Copy (one transaction: all rows or none), then counts the rows on both sides, and
// reports the counts per table to out. The target must be empty; its schema is created by the
// same migrations the services run. Stop every service first, so nothing changes mid-copy; the
// SQLite file is left as it was, as a fallback.
func MigrateDB(ctx context.Context, from, to string, out io.Writer) (store.CopyResult, error) {
	if to == "" {
		return nil, fmt.Errorf("--to is required: the postgres:// URL of the database to copy into")
	}
	if !store.IsPostgresURL(to) {
		return nil, fmt.Errorf("--to must be a postgres:// URL, got %q", to)
	}
	src, err := openExisting(ctx, from)
	if err != nil {
		return nil, err
	}
	defer store.Close(src)
	if err := ensureStopped(ctx, src); err != nil {
		return nil, err
	}
	dst, err := store.Open(ctx, to, store.Options{})
	if err != nil {
		return nil, err
	}
	defer store.Close(dst)
	if err := ensureEmpty(ctx, dst); err != nil {
		return nil, fmt.Errorf("%s: %w", store.RedactURL(to), err)
	}

	fmt.Fprintf(out, "copying %s to %s\n", from, store.RedactURL(to))
	copied, err := store.Copy(ctx, src, dst)
	if err != nil {
		return nil, fmt.Errorf("nothing was copied: %w", err)
	}
	for _, table := range store.CopiedTables() {
		want, got, err := countBoth(ctx, src, dst, table)
		if err != nil {
			return nil, err
		}
		if want != got {
			return nil, fmt.Errorf("table %s: %d rows in SQLite but %d in PostgreSQL", table, want, got)
		}
		fmt.Fprintf(out, "  %-16s %8d rows\n", table, got)
	}
	fmt.Fprintf(out, "done: every row is in PostgreSQL. Set SHELF_DATABASE_URL=%s for every service and start them;\n"+
		"%s stays as it was, as a fallback.\n", store.RedactURL(to), from)
	return copied, nil
}

// ensureEmpty refuses a target that holds any task or catalog row, with a message that says
// what to do: migrate-db never merges two databases.
func ensureEmpty(ctx context.Context, db *gorm.DB) error {
	var full []string
	for _, table := range store.CopiedTables() {
		n, err := store.CountRows(ctx, db, table)
		if err != nil {
			return fmt.Errorf("counting %s: %w", table, err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s: %d rows", table, n))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("the target database is not empty (%s); migrate-db copies only into an empty database: "+
			"drop and create it again, or name a new one with --to", strings.Join(full, ", "))
	}
	return nil
}

func countBoth(ctx context.Context, src, dst *gorm.DB, table string) (int64, int64, error) {
	want, err := store.CountRows(ctx, src, table)
	if err != nil {
		return 0, 0, fmt.Errorf("counting %s in SQLite: %w", table, err)
	}
	got, err := store.CountRows(ctx, dst, table)
	if err != nil {
		return 0, 0, fmt.Errorf("counting %s in PostgreSQL: %w", table, err)
	}
	return want, got, nil
}
