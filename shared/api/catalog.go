package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/shop"
)

// titleView and the other views give the catalog's models the API's snake_case names; the
// models themselves carry no JSON tags, being the database's.
type titleView struct {
	TitleID   string `json:"title_id"`
	Name      string `json:"name"`
	IconURL   string `json:"icon_url"`
	BannerURL string `json:"banner_url"`
	HasBase   bool   `json:"has_base"`
	UpToDate  bool   `json:"up_to_date"`
	Complete  bool   `json:"complete"`
}

type appView struct {
	AppID   string `json:"app_id"`
	Version int    `json:"version"`
	Type    string `json:"type"`
	Owned   bool   `json:"owned"`
}

type titleResponse struct {
	Title titleView `json:"title"`
	Apps  []appView `json:"apps"`
}

// getTitle answers a title of the catalog with every app known for it, owned or not.
func (s *server) getTitle(c *fiber.Ctx) error {
	id := strings.ToUpper(c.Params("title_id"))
	if !identify.IsAppID(id) {
		return invalidField("title_id", "must be 16 hexadecimal digits, got %q", c.Params("title_id"))
	}
	db := s.db.WithContext(c.UserContext())
	t, err := catalog.TitleByTitleID(db, id)
	if err != nil {
		return err
	}
	apps, err := catalog.AppsOfTitle(db, id)
	if err != nil {
		return err
	}
	out := titleResponse{Title: titleView{TitleID: t.TitleID, Name: t.Name, IconURL: t.IconURL,
		BannerURL: t.BannerURL, HasBase: t.HasBase, UpToDate: t.UpToDate, Complete: t.Complete},
		Apps: make([]appView, 0, len(apps))}
	for _, a := range apps {
		out.Apps = append(out.Apps, appView{AppID: a.AppID, Version: a.Version, Type: a.Type, Owned: a.Owned})
	}
	return c.JSON(out)
}

type fileView struct {
	ID                     int64     `json:"id"`
	LibraryID              int64     `json:"library_id"`
	Path                   string    `json:"path"`
	Name                   string    `json:"name"`
	Size                   int64     `json:"size"`
	ModifiedAt             time.Time `json:"modified_at"`
	Identified             bool      `json:"identified"`
	IdentificationMethod   string    `json:"identification_method"`
	IdentificationError    string    `json:"identification_error"`
	IdentificationNote     string    `json:"identification_note"`
	IdentificationAttempts int       `json:"identification_attempts"`
	// Downloads counts the shop's downloads of the file (once per client a minute).
	Downloads int64 `json:"downloads"`
}

type filesResponse struct {
	Files      []fileView `json:"files"`
	NextCursor *int64     `json:"next_cursor"`
}

// listFiles lists the catalog's files by id, a page at a time; ?unidentified=true keeps the
// files not identified yet, for the UI's "needs attention" list.
func (s *server) listFiles(c *fiber.Ctx) error {
	limit, err := queryLimit(c, defaultLimit, maxListLimit)
	if err != nil {
		return err
	}
	cursor, err := queryCursor(c)
	if err != nil {
		return err
	}
	var unidentifiedOnly bool
	switch c.Query("unidentified") {
	case "", "false":
	case "true":
		unidentifiedOnly = true
	default:
		return invalidField("unidentified", "must be true or false, got %q", c.Query("unidentified"))
	}
	db := s.db.WithContext(c.UserContext())
	switch c.Query("downloaded") {
	case "", "false":
	case "true":
		if unidentifiedOnly || c.Query("noted") == "true" || c.Query("cursor") != "" {
			return invalidField("downloaded", "downloaded=true lists the most downloaded files in one page; it does not go with unidentified, noted or cursor")
		}
		return s.mostDownloaded(c, limit)
	default:
		return invalidField("downloaded", "must be true or false, got %q", c.Query("downloaded"))
	}
	var files []catalog.File
	switch c.Query("noted") {
	case "", "false":
		files, err = catalog.FilesPage(db, cursor, limit+1, unidentifiedOnly)
	case "true":
		if unidentifiedOnly {
			return invalidField("noted", "noted=true lists identified files; it does not go with unidentified=true")
		}
		files, err = catalog.NotedFiles(db, cursor, limit+1)
	default:
		return invalidField("noted", "must be true or false, got %q", c.Query("noted"))
	}
	if err != nil {
		return err
	}
	page := filePage(files, limit)
	ids := make([]int64, len(page.Files))
	for i, f := range page.Files {
		ids[i] = f.ID
	}
	counts, err := shop.DownloadCounts(db, ids)
	if err != nil {
		return err
	}
	for i := range page.Files {
		page.Files[i].Downloads = counts[page.Files[i].ID]
	}
	return c.JSON(page)
}

// mostDownloaded is GET /api/files?downloaded=true: the shop's most downloaded files, one page.
func (s *server) mostDownloaded(c *fiber.Ctx, limit int) error {
	db := s.db.WithContext(c.UserContext())
	top, err := shop.MostDownloaded(db, limit)
	if err != nil {
		return err
	}
	ids := make([]int64, len(top))
	for i, d := range top {
		ids[i] = d.FileID
	}
	files, err := catalog.FilesByIDs(db, ids)
	if err != nil {
		return err
	}
	byID := make(map[int64]catalog.File, len(files))
	for _, f := range files {
		byID[f.ID] = f
	}
	out := filesResponse{Files: make([]fileView, 0, len(top))}
	for _, d := range top {
		if f, ok := byID[d.FileID]; ok {
			v := viewOf(f)
			v.Downloads = d.Total
			out.Files = append(out.Files, v)
		}
	}
	return c.JSON(out)
}

// filePage turns up to limit+1 files (newest first) into a page and the cursor of the next.
func filePage(files []catalog.File, limit int) filesResponse {
	out := filesResponse{Files: make([]fileView, 0, min(len(files), limit))}
	if len(files) > limit {
		files = files[:limit]
		out.NextCursor = cursorJSON(files[limit-1].ID)
	}
	for _, f := range files {
		out.Files = append(out.Files, viewOf(f))
	}
	return out
}

func viewOf(f catalog.File) fileView {
	return fileView{ID: f.ID, LibraryID: f.LibraryID, Path: f.Path, Name: f.Name,
		Size: f.Size, ModifiedAt: f.ModTime().UTC(), Identified: f.Identified,
		IdentificationMethod: f.IdentificationMethod, IdentificationError: f.IdentificationError,
		IdentificationNote: f.IdentificationNote, IdentificationAttempts: f.IdentificationAttempts}
}
