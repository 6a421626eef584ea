package pipeline

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

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

// titlePage is how many titles add_missing_apps and update_titles look up
// in the title database and hand to the catalog at a time: the facts of a
// 100,000-title catalog built whole held ~11 MB (a DLC map per title).
const titlePage = 500

// byTitlePage calls do with consecutive pages of titlePage title ids, all in
// one transaction, so that a step's writes still land together.
func (t *tasks) byTitlePage(ctx context.Context, titleIDs []string, do func(tx *gorm.DB, page []string) error) error {
	return t.db(ctx).Transaction(func(tx *gorm.DB) error {
		for page := range slices.Chunk(titleIDs, titlePage) {
			if err := do(tx, page); err != nil {
				return err
			}
		}
		return nil
	})
}

// refreshTitles copies the titles' names and images from the title database
// (for the titles it knows) and recomputes their flags, a page of titles at
// a time.
func (t *tasks) refreshTitles(ctx context.Context, job *queue.Job, titleIDs []string) (int, error) {
	tdb, release, err := t.titles(ctx, job)
	if err != nil {
		return 0, err
	}
	defer release()
	changed := 0
	facts := make([]catalog.TitleFacts, 0, min(len(titleIDs), titlePage))
	err = t.byTitlePage(ctx, titleIDs, func(tx *gorm.DB, page []string) error {
		facts = facts[:0]
		for _, id := range page {
			info, known := tdb.Title(id)
			latest, _ := tdb.LatestVersion(id)
			facts = append(facts, catalog.TitleFacts{TitleID: id, Known: known, Name: info.Name, IconURL: info.IconURL,
				BannerURL: info.BannerURL, LatestVersion: latest, DLCLatest: dlcLatest(tdb, id)})
		}
		n, err := catalog.RefreshTitles(tx, facts)
		changed += n
		return err
	})
	return changed, err
}
