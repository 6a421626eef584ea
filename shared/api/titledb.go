package api

import (
	"fmt"
	"strings"

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
func checkTitleLocale(dataDir string) settings.Check {
	return func(before, after settings.Settings) []settings.FieldError {
		if before.Titles == after.Titles {
			return nil
		}
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
