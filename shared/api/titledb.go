package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/titledb"
)

// titleDBView is GET /api/titledb: which title database is in use, and the
// locales it offers (languages.json) for the settings page's choices.
type titleDBView struct {
	// ConfiguredURL is settings titledb.url; "" means the bundled sample.
	ConfiguredURL string `json:"configured_url"`
	// Source is what update_titledb last installed; nil before it ran.
	Source  *titledb.Source `json:"source"`
	Locales titledb.Locales `json:"locales"`
}

func (s *server) getTitleDB(c *fiber.Ctx) error {
	s.syncTitles(c.UserContext())
	dir := pipeline.TitleDBDir(s.opts.DataDir)
	out := titleDBView{ConfiguredURL: s.set.Current().TitleDB.URL, Locales: titledb.LoadLocales(dir)}
	if src, ok := titledb.ReadSource(dir); ok {
		out.Source = &src
	}
	return c.JSON(out)
}

// checkTitleLocale is the settings check that a changed titles.region and
// titles.language are a pair the title database has (languages.json); the
// messages list the valid choices.
func checkTitleLocale(dataDir string, syncTitles func(context.Context)) settings.Check {
	return func(before, after settings.Settings) []settings.FieldError {
		if before.Titles == after.Titles {
			return nil
		}
		syncTitles(context.Background())
		locales := titledb.LoadLocales(pipeline.TitleDBDir(dataDir))
		regionOK, langOK := locales.Has(after.Titles.Region, after.Titles.Language)
		switch {
		case !regionOK:
			return []settings.FieldError{{Field: "titles.region",
				Message: fmt.Sprintf("must be a region of the title database (languages.json): one of %s; got %q",
					strings.Join(locales.Regions(), ", "), after.Titles.Region)}}
		case !langOK:
			return []settings.FieldError{{Field: "titles.language",
				Message: fmt.Sprintf("must be a language of region %s in the title database: one of %s; got %q",
					after.Titles.Region, strings.Join(locales[after.Titles.Region], ", "), after.Titles.Language)}}
		}
		return nil
	}
}

// syncTitles brings the data folder's title database in line with the one the workers
// published (PostgreSQL); what is there already serves when the database cannot be read.
func (s *server) syncTitles(ctx context.Context) {
	if s.titleSync == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := s.titleSync.Sync(ctx); err != nil {
		s.log.Warn("title database not brought in line with the database", "err", err)
	}
}

// titleDBOperations documents the title database routes.
func titleDBOperations() []operation {
	source := object(obj{"url": str(), "sample": boolean(), "fallback": str(), "commit": str(),
		"region": str(), "language": str(), "checked_at": dateTime(), "updated_at": dateTime()})
	locales := obj{"type": "object", "additionalProperties": array(str())}
	view := object(obj{"configured_url": str(), "source": obj{"oneOf": []obj{source, {"type": "null"}}}, "locales": locales},
		"configured_url", "source", "locales")
	return []operation{
		{method: "GET", path: "/api/titledb", handle: (*server).getTitleDB, need: needShop, tag: "titledb", summary: "The title database in use (source, when it was checked and changed) and its regions with their languages.",
			status: 200, result: view},
	}
}
