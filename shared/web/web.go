// Package web is shelf's web UI: plain HTML, CSS and JavaScript modules, embedded in every
// shelf-api binary and served at / (api.Options.Static). There is no build step and no asset
// from outside the binary (no CDN, no web fonts), because neither the machines that build shelf
// nor many of the networks it runs on can reach one.
//
// The UI is a client of the REST API and nothing else: what it shows, a script can fetch from
// /api/ too. Pages use hash routes (#/tasks, #/tasks/42, #/library, #/settings, #/health).
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS returns the UI's files with index.html at the root.
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("web: the embedded static folder is missing: " + err.Error()) // a build error, not a run-time one
	}
	return sub
}
