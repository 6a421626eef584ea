package pipeline

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/titledb"
)

// updateTitles refreshes every title of the catalog (name, images and the
// has-base / up-to-date / complete flags against the title database), drops
// the titles nothing owns any more, and goes on: organize_library when the
// organizer is on, else remove_outdated_updates when older updates are to be
// deleted, else generate_library.
func (t *tasks) updateTitles(ctx context.Context, job *queue.Job, _ UpdateTitlesArgs) error {
	titleIDs, err := catalog.TitleIDs(t.db(ctx))
	if err != nil {
		return err
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return err
	}
	defer release()
	if err := inTitleBatches(t.db(ctx), titleIDs, func(tx *gorm.DB, id string) error {
		return refreshTitle(tx, tdb, id)
	}); err != nil {
		return err
	}
	dropped, err := catalog.DeleteTitlesWithNothingOwned(t.db(ctx))
	if err != nil {
		return err
	}
	job.Log.Info("titles updated", "titles", len(titleIDs), "dropped", dropped)
	s := t.settings()
	switch {
	case s.Library.Management.Organizer.Enabled:
		return follow(ctx, job, OrganizeLibraryArgs{})
	case s.Library.Management.DeleteOlderUpdates:
		return follow(ctx, job, RemoveOutdatedUpdatesArgs{})
	default:
		return t.requestIndex(ctx, job)
	}
}

// updateTitlesForTitle is updateTitles for one title; it ends with a
// debounced generate_library.
func (t *tasks) updateTitlesForTitle(ctx context.Context, job *queue.Job, a UpdateTitlesForTitleArgs) error {
	if !identify.IsAppID(a.TitleID) {
		return queue.Permanent(fmt.Errorf("title_id %q is not 16 upper-case hex digits", a.TitleID))
	}
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return err
	}
	defer release()
	if err := refreshTitle(t.db(ctx), tdb, a.TitleID); err != nil {
		return err
	}
	if _, err := catalog.DeleteTitlesWithNothingOwned(t.db(ctx)); err != nil {
		return err
	}
	return t.requestIndex(ctx, job)
}

// refreshTitle copies a title's name and images from the title database
// (when it knows the title) and recomputes its flags.
func refreshTitle(tx *gorm.DB, tdb *titledb.DB, titleID string) error {
	if info, ok := tdb.Title(titleID); ok {
		if err := catalog.UpsertTitle(tx, titleID, info.Name, info.IconURL, info.BannerURL); err != nil {
			return err
		}
	}
	latest, _ := tdb.LatestVersion(titleID)
	_, err := catalog.UpdateTitleFlags(tx, titleID, latest, dlcLatest(tdb, titleID))
	return err
}
