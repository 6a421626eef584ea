package pipeline

import (
	"context"
	"fmt"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/queue"
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
	changed, err := t.refreshTitles(ctx, job, titleIDs)
	if err != nil {
		return err
	}
	dropped, err := catalog.DeleteTitlesWithNothingOwned(t.db(ctx))
	if err != nil {
		return err
	}
	job.Log.Info("titles updated", "titles", len(titleIDs), "changed", changed, "dropped", dropped)
	s := t.settings()
	switch {
	case s.Library.Management.Organizer.Enabled:
		return follow(ctx, job, OrganizeLibraryArgs{})
	case s.Library.Management.DeleteOlderUpdates:
		return follow(ctx, job, RemoveOutdatedUpdatesArgs{})
	default:
		return t.requestIndexNow(ctx, job)
	}
}

// updateTitlesForTitle is updateTitles for one title; it ends with a
// debounced generate_library.
func (t *tasks) updateTitlesForTitle(ctx context.Context, job *queue.Job, a UpdateTitlesForTitleArgs) error {
	if !identify.IsAppID(a.TitleID) {
		return queue.Permanent(fmt.Errorf("title_id %q is not 16 upper-case hex digits", a.TitleID))
	}
	if _, err := t.refreshTitles(ctx, job, []string{a.TitleID}); err != nil {
		return err
	}
	if _, err := catalog.DeleteTitlesWithNothingOwned(t.db(ctx)); err != nil {
		return err
	}
	return t.requestIndex(ctx, job)
}

// refreshTitles copies the titles' names and images from the title database
// (for the titles it knows) and recomputes their flags, in one batch.
func (t *tasks) refreshTitles(ctx context.Context, job *queue.Job, titleIDs []string) (int, error) {
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return 0, err
	}
	defer release()
	facts := make([]catalog.TitleFacts, len(titleIDs))
	for i, id := range titleIDs {
		info, known := tdb.Title(id)
		latest, _ := tdb.LatestVersion(id)
		facts[i] = catalog.TitleFacts{TitleID: id, Known: known, Name: info.Name, IconURL: info.IconURL,
			BannerURL: info.BannerURL, LatestVersion: latest, DLCLatest: dlcLatest(tdb, id)}
	}
	return catalog.RefreshTitles(t.db(ctx), facts)
}
