package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/titledb"
)

// updateTitleDB refreshes the title database from settings titledb.url
// (conditional requests, files replaced only once all are downloaded and
// valid; an empty URL installs the bundled sample, and so does a fresh
// install that cannot reach the URL), then scans each library.
// Title names reach the catalog in update_titles, which runs later in the
// chain for every owned title. With Documents (PostgreSQL) the folder is
// first brought in line with the published title database and what changed
// is published for the other hosts.
func (t *tasks) updateTitleDB(ctx context.Context, job *queue.Job, _ UpdateTitleDBArgs) error {
	s := t.settings()
	refresh := func() (bool, error) {
		return titledb.Refresh(ctx, t.HTTPClient, s.TitleDB.URL, TitleDBDir(t.DataDir),
			s.Titles.Region, s.Titles.Language, job.Log)
	}
	var changed bool
	var err error
	if t.titleSync == nil {
		changed, err = refresh()
	} else {
		changed, err = t.titleSync.Refresh(ctx, func() error { _, err := refresh(); return err })
	}
	if err != nil {
		return fmt.Errorf("updating the title database: %w", err)
	}
	job.Log.Info("title database checked", "changed", changed, "sample", s.TitleDB.URL == "")
	for _, p := range s.Library.Paths {
		root, err := filepath.Abs(p)
		if err != nil {
			return queue.Permanent(fmt.Errorf("library %s: %w", p, err))
		}
		if err := follow(ctx, job, ScanLibraryArgs{LibraryPath: root, TitleDBUnchanged: !changed}); err != nil {
			return err
		}
	}
	return job.SetResult(UpdateTitleDBResult{Changed: changed, Libraries: len(s.Library.Paths)})
}

// titles returns the process's shared title database with the user's
// custom titles merged over it; call release when done. Before
// update_titledb has ever run there is none: with the bundled sample
// configured it is installed here, otherwise the task is retried later
// (Startup queues update_titledb).
func (t *tasks) titles(ctx context.Context, job *queue.Job) (*titledb.DB, func(), error) {
	db, release, err := t.acquireTitles(ctx, job)
	if err != nil {
		return nil, nil, err
	}
	custom, err := titledb.ListCustom(t.db(ctx))
	if err != nil {
		release()
		return nil, nil, err
	}
	db.SetCustom(custom)
	return db, release, nil
}

func (t *tasks) acquireTitles(ctx context.Context, job *queue.Job) (*titledb.DB, func(), error) {
	s := t.settings()
	if t.titleSync != nil {
		// One indexed read when nothing changed; a new publication is installed before the
		// Cache looks, so this task already names titles as the new database does.
		if _, err := t.titleSync.Sync(ctx); err != nil {
			job.Log.Warn("title database not brought in line with the database; using the local copy", "err", err)
		}
	}
	db, release, err := t.TitleDB.Acquire(s.Titles.Region, s.Titles.Language)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return db, release, err
	}
	if s.TitleDB.URL != "" {
		return nil, nil, fmt.Errorf("the title database is not downloaded yet (update_titledb has not run): %w", err)
	}
	if _, err := titledb.Fetch(ctx, nil, "", TitleDBDir(t.DataDir), s.Titles.Region, s.Titles.Language, job.Log); err != nil {
		return nil, nil, err
	}
	return t.TitleDB.Acquire(s.Titles.Region, s.Titles.Language)
}
