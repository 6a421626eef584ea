package pipeline

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// tasks holds the handlers; one per Register call, so one per process.
type tasks struct {
	Deps
}

// Register adds every library task to reg. It starts nothing: the handlers
// run in whichever process runs a worker pool over a queue with reg.
func Register(reg *queue.Registry, deps Deps) {
	t := &tasks{Deps: deps.withDefaults()}
	for _, d := range []queue.Definition{
		{Name: UpdateTitleDB, Handler: t.updateTitleDB, Every: t.scanInterval, MaxAttempts: 3},
		{Name: ScanLibrary, Handler: t.scanLibrary, Continuation: ScanLibraryDone},
		{Name: ScanLibraryDone, Handler: t.scanLibraryDone},
		{Name: AddFile, Handler: t.addFile},
		{Name: IdentifyLibrary, Handler: t.identifyLibrary, Continuation: IdentifyLibraryDone},
		{Name: IdentifyLibraryDone, Handler: t.identifyLibraryDone},
		{Name: IdentifyFile, Handler: t.identifyFile},
		{Name: AddMissingApps, Handler: t.addMissingApps},
		{Name: AddMissingAppsForTitle, Handler: t.addMissingAppsForTitle},
		{Name: RemoveMissingFiles, Handler: t.removeMissingFiles},
		{Name: UpdateTitles, Handler: t.updateTitles},
		{Name: UpdateTitlesForTitle, Handler: t.updateTitlesForTitle},
		{Name: OrganizeLibrary, Handler: t.organizeLibrary, Continuation: OrganizeLibraryDone},
		{Name: OrganizeLibraryDone, Handler: t.organizeLibraryDone},
		{Name: OrganizeFile, Handler: t.organizeFile},
		{Name: RemoveOutdatedUpdates, Handler: t.removeOutdatedUpdates},
		{Name: RemoveLibrary, Handler: t.removeLibrary},
		{Name: HandleFileAdded, Handler: t.handleFileAdded},
		{Name: HandleFileMoved, Handler: t.handleFileMoved},
		{Name: HandleFileDeleted, Handler: t.handleFileDeleted},
		{Name: GenerateLibrary, Handler: t.generateLibrary},
	} {
		reg.Register(d)
	}
}

// settings returns the settings in force.
func (t *tasks) settings() settings.Settings {
	if t.Settings == nil {
		return settings.Default()
	}
	return t.Settings.Current()
}

// scanInterval makes update_titledb (and so the whole chain) periodic.
func (t *tasks) scanInterval() time.Duration { return t.settings().ScanInterval() }

func (t *tasks) db(ctx context.Context) *gorm.DB { return t.DB.WithContext(ctx) }
