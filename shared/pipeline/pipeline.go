// Package pipeline registers shelf's library tasks on the queue: refresh the
// title database, scan, identify, organize and index the library, each step
// a task (fanning out in batches of files) triggered by the previous one's
// continuation.
//
// The full chain, started by Startup, the periodic update_titledb or an
// update_titledb enqueued by hand:
//
//	update_titledb
//	  → scan_library {library_path}              (one per library folder)
//	      ├ add_files {library_path, filepaths}  (child per 250 new, changed or never identified files:
//	      │                                       recorded and identified in one transaction)
//	      → scan_library_done                    (continuation: records the scan time)
//	  → add_missing_apps {library_path}          (one read of the apps, inserts only what is missing)
//	  → remove_missing_files {library_path}
//	  → update_titles                            (one read of titles and owned apps, writes only changes)
//	  → organize_library                         (organizer on; else straight on)
//	      ├ organize_files {file_ids}            (child per 250 files not where they belong)
//	      → organize_library_done                (continuation: removes empty folders)
//	  → remove_outdated_updates
//	  → generate_library                         (asked for at once: see below)
//
// identify_library fans out the same way, in identify_files {file_ids}
// children, and continues with identify_library_done → add_missing_apps.
//
// Work is done in batches because a statement's fixed cost (GORM, and
// glebarez/go-sqlite preparing every statement anew) is what bounds per-file
// work: a batch costs a few multi-row statements, one catalog read and one
// transaction, whatever its size. Progress is counted per file. A file that
// cannot be identified never fails its batch: it is a catalog row with its
// reason (shown on the library page), and the others go on. An unchanged file
// costs a rescan no task at all.
//
// A step without children enqueues the next one itself, at the end of its
// handler, under a unique key derived from its own task id: a retried handler
// (delivery is at-least-once) finds its follow-up already there instead of
// queuing a second one. Follow-ups also keep the default dedup key, so two
// chains started close together merge wherever one's step is still pending.
//
// generate_library is debounced (Deps.GenerateDelay) for bursts of the
// watcher's events; the chain's own last step asks for it without the delay,
// since it has just done every file at once.
//
// Tasks spawned inside a fan-out leave the per-title and per-file follow-ups
// (add_missing_apps_for_title, organize_file) to the chain's later steps,
// which do them for every file at once; a file identified on its own
// (handle_file_added and the other watcher tasks, identify_file from the
// api or by hand) enqueues them itself.
package pipeline

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/keys"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/titledb"
)

// Deps are what the pipeline's handlers need. Every process registers the
// pipeline (the api and the watcher to validate names and enqueue), but
// only workers run the handlers.
type Deps struct {
	DB       *gorm.DB
	Settings *settings.Manager
	// DataDir holds titledb/ and the generated library index.
	DataDir string
	Logger  *slog.Logger

	// TitleDB shares the loaded title database between the slots of the
	// process. Defaults to a cache of <DataDir>/titledb that drops the
	// database after 5 minutes without use.
	TitleDB *titledb.Cache
	// Keys are the console keys that content identification decrypts
	// with. Defaults to the keys file of DataDir (keys.NewStore), none when
	// DataDir is empty.
	Keys *keys.Store
	// Documents is how processes on hosts without a shared data folder share the title
	// database and the library index: on PostgreSQL, document.New(DB) unless set; nil on
	// SQLite, where the data folder is shared and its files are the only copy.
	Documents *document.Store
	// HTTPClient downloads the title database. Defaults to a client without
	// an overall timeout (the files are large; the task's context bounds it).
	HTTPClient *http.Client
	// GenerateDelay is how long generate_library waits after the last
	// request for it. Defaults to 3 seconds.
	GenerateDelay time.Duration
	// GenerateMaxWait bounds how long a stream of requests can postpone
	// generate_library: a pending one never moves later than this after it
	// was first requested. Defaults to 30 seconds.
	GenerateMaxWait time.Duration
}

// LibraryIndexPath is where generate_library writes the library index
// (JSON) that the api serves at GET /api/library.
func LibraryIndexPath(dataDir string) string { return dataDir + "/cache/library.json" }

// TitleDBDir is where update_titledb keeps the title database.
func TitleDBDir(dataDir string) string { return filepath.Join(dataDir, "titledb") }

// IgnoreTTL is how long a file event on a path the organizer is moving
// counts as the organizer's own.
const IgnoreTTL = 2 * time.Minute

func (d Deps) withDefaults() Deps {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.TitleDB == nil {
		d.TitleDB = titledb.NewCache(TitleDBDir(d.DataDir), 5*time.Minute)
	}
	if d.Keys == nil && d.DataDir != "" {
		d.Keys = keys.NewStore(d.DataDir)
	}
	if d.Documents == nil && d.DB != nil && document.Shared(d.DB) {
		d.Documents = document.New(d.DB)
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{}
	}
	if d.GenerateDelay <= 0 {
		d.GenerateDelay = 3 * time.Second
	}
	if d.GenerateMaxWait <= 0 {
		d.GenerateMaxWait = 30 * time.Second
	}
	return d
}
