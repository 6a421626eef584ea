package pipeline

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/titledb"
)

// tasks holds the handlers; one per Register call, so one per process.
type tasks struct {
	Deps
	// titleSync keeps TitleDBDir in step with the title database in Documents; nil without.
	titleSync *titledb.Syncer
}

// Register adds every library task to reg. It starts nothing: the handlers
// run in whichever process runs a worker pool over a queue with reg.
func Register(reg *queue.Registry, deps Deps) {
	t := &tasks{Deps: deps.withDefaults()}
	if t.Documents != nil {
		t.titleSync = titledb.NewSyncer(t.Documents, TitleDBDir(t.DataDir))
	}
	for _, d := range []queue.Definition{
		queue.Define(t.updateTitleDB, queue.Definition{Every: t.scanInterval, MaxAttempts: 3}),
		queue.Define(t.scanLibrary, queue.Definition{Continuation: ScanLibraryDone}),
		queue.DefineContinuation(ScanLibraryDone, t.scanLibraryDone),
		queue.Define(t.addFiles),
		queue.Define(t.identifyLibrary, queue.Definition{Continuation: IdentifyLibraryDone}),
		queue.DefineContinuation(IdentifyLibraryDone, t.identifyLibraryDone),
		queue.Define(t.identifyFile),
		queue.Define(t.identifyFiles),
		queue.Define(t.addMissingApps),
		queue.Define(t.addMissingAppsForTitle),
		queue.Define(t.removeMissingFiles),
		queue.Define(t.updateTitles),
		queue.Define(t.updateTitlesForTitle),
		queue.Define(t.organizeLibrary, queue.Definition{Continuation: OrganizeLibraryDone}),
		queue.DefineContinuation(OrganizeLibraryDone, t.organizeLibraryDone),
		queue.Define(t.organizeFile),
		queue.Define(t.organizeFiles),
		queue.Define(t.removeOutdatedUpdates),
		queue.Define(t.removeLibrary),
		queue.Define(t.handleFileAdded),
		queue.Define(t.handleFileMoved),
		queue.Define(t.handleFileDeleted),
		queue.Define(t.generateLibrary),
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
