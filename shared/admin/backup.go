package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/shelfhq/shelf/shared/store"
)

// DefaultBackupPath is where `backup` writes without --out: a backups folder in the data folder,
// one file per run, named by the time so that the newest sorts last.
func DefaultBackupPath(dataDir string, now time.Time) string {
	return filepath.Join(dataDir, "backups", "shelf-"+now.Format("20060102-150405")+".db")
}

// Backup writes a consistent snapshot of the SQLite database at dbPath to outPath with
// store.Backup (VACUUM INTO: the services may keep running), then checks the copy's integrity
// and reports it with its row counts to out. outPath must not exist.
func Backup(ctx context.Context, dbPath, outPath string, out io.Writer) error {
	if store.IsPostgresURL(dbPath) {
		return fmt.Errorf("the database is PostgreSQL (%s): back it up with pg_dump", store.RedactURL(dbPath))
	}
	db, err := openExisting(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close(db)
	if err := store.Backup(ctx, db, outPath); err != nil {
		return err
	}
	if err := checkBackup(ctx, outPath); err != nil {
		return fmt.Errorf("the backup %s failed its check, keep an older one: %w", outPath, err)
	}
	info, err := os.Stat(outPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backup written: %s (%d bytes, integrity ok)\n", outPath, info.Size())
	return nil
}

// Restore puts the backup at from in place of the SQLite database at dbPath. The backup is
// checked first; the current database, with its WAL if a killed process left one, is renamed
// to <db>.before-restore-<time> rather than deleted, and the backup is copied (not moved) in, so
// the backup file stays as it was. Stop every service first: a process that still has the old
// file open would go on writing to it. The services migrate a backup from an older shelf when
// they start.
func Restore(ctx context.Context, from, dbPath string, out io.Writer) error {
	if from == "" {
		return errors.New("--from is required: the backup file to restore")
	}
	if store.IsPostgresURL(dbPath) {
		return fmt.Errorf("the database is PostgreSQL (%s): restore it with pg_restore or psql", store.RedactURL(dbPath))
	}
	if err := checkBackup(ctx, from); err != nil {
		return fmt.Errorf("not restoring %s: %w", from, err)
	}
	if _, err := os.Stat(dbPath); err == nil {
		db, err := openExisting(ctx, dbPath)
		if err != nil {
			return err
		}
		err = ensureStopped(ctx, db)
		_ = store.Close(db)
		if err != nil {
			return err
		}
		aside := dbPath + ".before-restore-" + time.Now().Format("20060102-150405")
		// SQLite names the WAL and shared-memory files after the database, so renaming the
		// three together keeps the old state whole; a stale WAL left beside the restored file
		// would be replayed into it.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("moving the current database aside: %w", err)
			}
		}
		fmt.Fprintf(out, "the database that was in place is now %s\n", aside)
	}
	if err := copyFile(from, dbPath); err != nil {
		return fmt.Errorf("restoring %s: %w", from, err)
	}
	fmt.Fprintf(out, "restored %s to %s; start the services\n", from, dbPath)
	return nil
}

// checkBackup fails unless path is a sound shelf database.
func checkBackup(ctx context.Context, path string) error {
	problems, err := store.CheckFile(ctx, path)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %v", problems)
	}
	return nil
}

// copyFile copies src to dst through a temporary file that is synced and renamed, so that dst
// is either absent or complete.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".restoring"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, in); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
