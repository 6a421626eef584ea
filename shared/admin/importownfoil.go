package admin

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/ownfoil"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/store"
)

// ImportOwnfoilCommand moves a user over from Ownfoil.
const ImportOwnfoilCommand = "import-ownfoil"

func importOwnfoilCommand() service.Command {
	return service.Command{
		Name:    ImportOwnfoilCommand,
		Summary: "take over Ownfoil's settings, libraries, files and identifications (prints the plan; --apply does it)",
		Flags: func(fs *flag.FlagSet) func(context.Context, config.Config, io.Writer) error {
			from := fs.String("from", "", "Ownfoil's config `FOLDER` (holds settings.yaml and ownfoil.db; required)")
			apply := fs.Bool("apply", false, "do it: save the settings and write the catalog (without it, only print what it would do)")
			return func(ctx context.Context, cfg config.Config, out io.Writer) error {
				if *from == "" {
					return fmt.Errorf("--from is required: Ownfoil's config folder")
				}
				return ImportOwnfoil(ctx, cfg, *from, *apply, out)
			}
		},
	}
}

// ImportOwnfoil prints the plan to import Ownfoil's config folder from and,
// with apply, carries it out on the configured settings and database. The
// services may keep running: the settings go through settings.yaml, which
// they watch (on PostgreSQL the database too, which they follow), and the catalog takes
// concurrent writes.
func ImportOwnfoil(ctx context.Context, cfg config.Config, from string, apply bool, out io.Writer) error {
	plan, err := ownfoil.Read(ctx, from)
	if err != nil {
		return err
	}
	if err := plan.Print(out); err != nil {
		return err
	}
	if !apply {
		_, err := fmt.Fprintln(out, "dry run: nothing changed; run again with --apply to import")
		return err
	}
	db, err := store.Open(ctx, cfg.DatabasePath(), store.Options{})
	if err != nil {
		return err
	}
	defer store.Close(db)
	// On PostgreSQL the settings go to the database too, which every worker follows.
	set, err := service.OpenSettings(ctx, cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	res, err := plan.Apply(ctx, db, set)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "imported: settings saved to %s; %d libraries, %d files (%d identified as Ownfoil did, %d kept as shelf had them); the next scan identifies the rest; %d users (%d kept as shelf had them, %d left out)\n",
		cfg.SettingsPath(), res.Libraries, res.Files, res.Identified, res.Kept, res.Users, res.UsersKept, res.UsersSkipped)
	return err
}
