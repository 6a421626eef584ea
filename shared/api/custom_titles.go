package api

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/titledb"
)

// customTitleBody is what POST and PUT take; on PUT the id is the path's.
type customTitleBody struct {
	TitleID     string `json:"title_id"`
	Name        string `json:"name"`
	Publisher   string `json:"publisher"`
	Description string `json:"description"`
	IconURL     string `json:"icon_url"`
	BannerURL   string `json:"banner_url"`
	ReleaseDate string `json:"release_date"`
}

func (b customTitleBody) custom() titledb.CustomTitle {
	return titledb.CustomTitle{TitleID: b.TitleID, Name: b.Name, Publisher: b.Publisher, Description: b.Description,
		IconURL: b.IconURL, BannerURL: b.BannerURL, ReleaseDate: b.ReleaseDate}
}

func (s *server) listCustomTitles(c *fiber.Ctx) error {
	list, err := titledb.ListCustom(s.db.WithContext(c.UserContext()))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": list})
}

func (s *server) addCustomTitle(c *fiber.Ctx) error {
	var body customTitleBody
	if err := decodeBody(c.Body(), &body); err != nil {
		return err
	}
	saved, err := titledb.AddCustom(s.db.WithContext(c.UserContext()), body.custom())
	if err != nil {
		return customTitleError(err)
	}
	if err := s.refreshCustomTitle(c.UserContext(), saved.TitleID); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(saved)
}

func (s *server) updateCustomTitle(c *fiber.Ctx) error {
	var body customTitleBody
	if err := decodeBody(c.Body(), &body); err != nil {
		return err
	}
	if body.TitleID != "" && body.TitleID != c.Params("title_id") {
		return invalidField("title_id", "must be left out or equal the path's id")
	}
	body.TitleID = c.Params("title_id")
	saved, err := titledb.UpdateCustom(s.db.WithContext(c.UserContext()), body.custom())
	if err != nil {
		return customTitleError(err)
	}
	if err := s.refreshCustomTitle(c.UserContext(), saved.TitleID); err != nil {
		return err
	}
	return c.JSON(saved)
}

func (s *server) deleteCustomTitle(c *fiber.Ctx) error {
	id := c.Params("title_id")
	if err := titledb.DeleteCustom(s.db.WithContext(c.UserContext()), id); err != nil {
		return customTitleError(err)
	}
	norm, _ := titledb.NormalizeID(id)
	if err := s.refreshCustomTitle(c.UserContext(), norm); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deleted": 1})
}

// refreshCustomTitle has the catalog's title (its name and images, then the
// library index) follow a change of its custom entry.
func (s *server) refreshCustomTitle(ctx context.Context, titleID string) error {
	_, err := s.q.Enqueue(ctx, queue.NewParams(pipeline.UpdateTitlesForTitleArgs{TitleID: titleID}))
	return err
}

func customTitleError(err error) error {
	var invalid *titledb.InvalidCustomError
	switch {
	case errors.As(err, &invalid):
		return invalidField(invalid.Field, "%s", invalid.Message)
	case errors.Is(err, titledb.ErrCustomExists):
		return newError(fiber.StatusConflict, codeInvalidState, "%v; change it with PUT /api/titledb/custom/{title_id}", err)
	case errors.Is(err, titledb.ErrCustomNotFound):
		return notFound("%v", err)
	}
	return err
}

// customTitleOperations documents the custom title routes.
func customTitleOperations() []operation {
	entry := object(obj{"title_id": str(), "name": str(), "publisher": str(), "description": str(),
		"icon_url": str(), "banner_url": str(), "release_date": str()}, "title_id", "name")
	idParam := pathParam("title_id", "16 hexadecimal digits.", obj{"type": "string"})
	return []operation{
		{method: "GET", path: "/api/titledb/custom", handle: (*server).listCustomTitles, need: needShop, tag: "titledb", summary: "The custom title entries (homebrew, ports, titles the title database lacks), merged over it everywhere.",
			status: 200, result: object(obj{"entries": array(entry)}, "entries")},
		{method: "POST", path: "/api/titledb/custom", handle: (*server).addCustomTitle, tag: "titledb", summary: "Add a custom title entry; the catalog's title follows.",
			body: entry, status: 201, result: entry, others: []int{400, 409, 422}},
		{method: "PUT", path: "/api/titledb/custom/{title_id}", handle: (*server).updateCustomTitle, tag: "titledb", summary: "Replace a custom title entry.",
			params: []obj{idParam}, body: entry, status: 200, result: entry, others: []int{400, 404, 422}},
		{method: "DELETE", path: "/api/titledb/custom/{title_id}", handle: (*server).deleteCustomTitle, tag: "titledb", summary: "Delete a custom title entry; the title database's entry (if any) applies again.",
			params: []obj{idParam}, status: 200, result: ref("Deleted"), others: []int{404, 422}},
	}
}
