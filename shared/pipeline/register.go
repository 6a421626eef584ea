package pipeline

import (
	"context"
	"errors"

	"github.com/shelfhq/shelf/shared/queue"
)

// Register adds every library task to reg.
//
// TRANSITIONAL: the handlers are being written; until then each task fails
// permanently with a clear message instead of pretending to work.
func Register(reg *queue.Registry, deps Deps) {
	pending := func(context.Context, *queue.Job) error {
		return queue.Permanent(errors.New("library pipeline task not available in this build"))
	}
	for _, name := range []string{UpdateTitleDB, ScanLibrary, AddFile, IdentifyLibrary, IdentifyFile,
		AddMissingApps, AddMissingAppsForTitle, RemoveMissingFiles, UpdateTitles, UpdateTitlesForTitle,
		OrganizeLibrary, OrganizeFile, RemoveOutdatedUpdates, RemoveLibrary, HandleFileAdded,
		HandleFileMoved, HandleFileDeleted, GenerateLibrary} {
		reg.Register(queue.Definition{Name: name, Handler: pending})
	}
}
