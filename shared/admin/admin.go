// Package admin holds the maintenance commands of shelf-api: moving the SQLite database to
// PostgreSQL (migrate-db), taking a backup of it while shelf runs (backup), putting a backup
// back in place (restore) and moving over from Ownfoil (import-ownfoil). Each works on the database the services are configured with
// (SHELF_DATA_DIR, SHELF_DATABASE_URL), so the same env file or flags serve both.
package admin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/store"
)

// Command names, as typed after the binary's name.
const (
	MigrateDBCommand = "migrate-db"
	BackupCommand    = "backup"
	RestoreCommand   = "restore"
)

// workerSeenWithin is how recent a worker's heartbeat must be for the database to count as in
// use. Workers renew it every few seconds and delete it when they stop cleanly.
const workerSeenWithin = time.Minute

// Commands are the subcommands shelf-api offers, for service.Main.
func Commands() []service.Command {
	return []service.Command{
		{
			Name:    MigrateDBCommand,
			Summary: "copy the SQLite database to an empty PostgreSQL database (stop the services first)",
			Flags: func(fs *flag.FlagSet) func(context.Context, config.Config, io.Writer) error {
				to := fs.String("to", "", "PostgreSQL `URL` to copy into (required; its tables must be empty)")
				return func(ctx context.Context, cfg config.Config, out io.Writer) error {
					_, err := MigrateDB(ctx, cfg.DatabasePath(), *to, out)
					return err
				}
			},
		},
		{
			Name:    BackupCommand,
			Summary: "write a consistent copy of the SQLite database to a file (services may run)",
			Flags: func(fs *flag.FlagSet) func(context.Context, config.Config, io.Writer) error {
				outPath := fs.String("out", "", "backup `FILE` to write; empty means <data-dir>/backups/shelf-<time>.db")
				withKeys := fs.Bool("with-keys", false, "also copy the keys file (prod.keys) to FILE.prod.keys, mode 0600; left out otherwise")
				return func(ctx context.Context, cfg config.Config, out io.Writer) error {
					path := *outPath
					if path == "" {
						path = DefaultBackupPath(cfg.DataDir, time.Now())
					}
					if err := Backup(ctx, cfg.DatabasePath(), path, out); err != nil {
						return err
					}
					if *withKeys {
						return BackupKeys(cfg.DataDir, path, out)
					}
					return nil
				}
			},
		},
		{
			Name:    RestoreCommand,
			Summary: "replace the SQLite database with a backup file (stop the services first)",
			Flags: func(fs *flag.FlagSet) func(context.Context, config.Config, io.Writer) error {
				from := fs.String("from", "", "backup `FILE` to restore (required)")
				return func(ctx context.Context, cfg config.Config, out io.Writer) error {
					return Restore(ctx, *from, cfg.DatabasePath(), out)
				}
			},
		},
		importOwnfoilCommand(),
		userCommand(),
	}
}

// openExisting opens a SQLite database that must already exist: store.Open would create an
// empty one, and a typo in the data folder must not look like an empty library.
func openExisting(ctx context.Context, path string) (*gorm.DB, error) {
	if store.IsPostgresURL(path) {
		return nil, fmt.Errorf("the configured database is PostgreSQL (%s); this command works on a SQLite file", store.RedactURL(path))
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (set --data-dir or --database-url to the one the services use)", path)
		}
		return nil, err
	}
	return store.Open(ctx, path, store.Options{})
}

// ensureStopped fails when a worker sent a heartbeat recently: a command that moves or replaces
// the database while workers write to it would lose their writes.
func ensureStopped(ctx context.Context, db *gorm.DB) error {
	seen, err := queue.New(db, queue.NewRegistry(), queue.Options{}).Workers(ctx, time.Now().Add(-workerSeenWithin))
	if err != nil {
		return fmt.Errorf("reading worker heartbeats: %w", err)
	}
	if len(seen) == 0 {
		return nil
	}
	names := make([]string, len(seen))
	for i, w := range seen {
		names[i] = fmt.Sprintf("%s (seen %s ago)", w.ID, time.Since(w.SeenAt).Round(time.Second))
	}
	return fmt.Errorf("workers are still using this database: %s; stop every service first "+
		"(a worker killed without a clean stop counts for %s)", strings.Join(names, ", "), workerSeenWithin)
}
