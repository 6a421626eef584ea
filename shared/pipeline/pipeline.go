// Package pipeline registers shelf's library tasks on the queue: refresh the
// title database, scan, identify, organize and index the library, each step
// a task (fanning out per file) triggered by the previous one's continuation.
package pipeline

import (
	"log/slog"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/settings"
)

// Task names (the seed's).
const (
	UpdateTitleDB          = "update_titledb"
	ScanLibrary            = "scan_library"
	AddFile                = "add_file"
	IdentifyLibrary        = "identify_library"
	IdentifyFile           = "identify_file"
	AddMissingApps         = "add_missing_apps"
	AddMissingAppsForTitle = "add_missing_apps_for_title"
	RemoveMissingFiles     = "remove_missing_files"
	UpdateTitles           = "update_titles"
	UpdateTitlesForTitle   = "update_titles_for_title"
	OrganizeLibrary        = "organize_library"
	OrganizeFile           = "organize_file"
	RemoveOutdatedUpdates  = "remove_outdated_updates"
	RemoveLibrary          = "remove_library"
	HandleFileAdded        = "handle_file_added"
	HandleFileMoved        = "handle_file_moved"
	HandleFileDeleted      = "handle_file_deleted"
	GenerateLibrary        = "generate_library"
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
}

// LibraryIndexPath is where generate_library writes the library index
// (JSON) that the api serves at GET /api/library.
func LibraryIndexPath(dataDir string) string { return dataDir + "/cache/library.json" }
