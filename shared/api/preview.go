package api

import (
	"bytes"
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/organize"
	"github.com/shelfhq/shelf/shared/settings"
)

// previewRoot stands in for the library folder while rendering: only the path below it is
// answered, so the preview never depends on which folders exist.
const previewRoot = "/library"

// templateExample is an example file of one kind, as the organizer would see it. The names are
// those of the sample title database, so a preview matches what `make run` shows.
type templateExample struct {
	kind, describe, ext string
	values              organize.Values
}

var templateExamples = []templateExample{
	{kind: "base", describe: "Lumen Drift, base game (.nsp)", ext: "nsp", values: organize.Values{
		TitleName: "Lumen Drift", TitleID: "0100A1B2C3D40000", AppID: "0100A1B2C3D40000", AppVersion: 0, AppName: "Lumen Drift"}},
	{kind: "update", describe: "Lumen Drift, update v131072 (.nsp)", ext: "nsp", values: organize.Values{
		TitleName: "Lumen Drift", TitleID: "0100A1B2C3D40000", AppID: "0100A1B2C3D40800", AppVersion: 131072, AppName: "Lumen Drift"}},
	{kind: "dlc", describe: "Lumen Drift, DLC \"Tidewater Pack\" (.nsp)", ext: "nsp", values: organize.Values{
		TitleName: "Lumen Drift", TitleID: "0100A1B2C3D40000", AppID: "0100A1B2C3D41001", AppVersion: 65536, AppName: "Tidewater Pack"}},
	{kind: "multi", describe: "Lumen Drift, base game + update in one file (.xci)", ext: "xci", values: organize.Values{
		TitleName: "Lumen Drift", TitleID: "0100A1B2C3D40000", AppID: "0100A1B2C3D40000", AppVersion: 0, AppName: "Lumen Drift"}},
}

// previewPath is where the organizer would put one example file.
type previewPath struct {
	// Example says what the example file holds.
	Example string `json:"example"`
	// Path is relative to the library folder, with '/' between folders.
	Path string `json:"path"`
}

// previewResponse answers POST /api/settings/preview: one path per template (base, update, dlc,
// multi).
type previewResponse struct {
	Paths map[string]previewPath `json:"paths"`
}

// previewSettings renders the organizer templates of a settings patch (the same document PUT
// /api/settings takes, merged onto the settings in force) for an example file of each kind,
// through the organizer's own Destination, without saving anything. Invalid settings are the
// same 422 as PUT's, so a form can mark a field while the user types.
func (s *server) previewSettings(c *fiber.Ctx) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := requireJSONObject(body); err != nil {
		return err
	}
	next, err := settings.Merge(s.set.Current(), body)
	if err != nil {
		return err
	}
	org := next.Library.Management.Organizer
	templates := map[string]string{"base": org.Templates.Base, "update": org.Templates.Update,
		"dlc": org.Templates.DLC, "multi": org.Templates.Multi}
	out := previewResponse{Paths: make(map[string]previewPath, len(templateExamples))}
	for _, ex := range templateExamples {
		v := ex.values
		v.PatchLevel = identify.PatchNumber(v.AppVersion)
		dest, err := organize.Destination(previewRoot, templates[ex.kind], v, ex.ext, org.WindowsCompatible)
		if err != nil {
			return invalidField("library.management.organizer.templates."+ex.kind, "%v", err)
		}
		rel, err := filepath.Rel(previewRoot, dest)
		if err != nil {
			return err
		}
		out.Paths[ex.kind] = previewPath{Example: ex.describe, Path: filepath.ToSlash(rel)}
	}
	return c.JSON(out)
}
