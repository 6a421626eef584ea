package identify

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/shelfhq/shelf/shared/content"
	"github.com/shelfhq/shelf/shared/keys"
)

// Identification methods besides MethodFilename, from the most reliable.
const (
	// MethodCnmt is the content meta inside the file, read with the keys.
	MethodCnmt = content.MethodCnmt
	// MethodTicket is the title id at the start of a ticket's name.
	MethodTicket = content.MethodTicket
)

// ContentIdentifier identifies a file by what it holds: the cnmt of each
// meta NCA (every app of a multi-content file), then the tickets' names,
// then, if neither tells, the file name. When the name and the content
// disagree the content wins and Result.Note says so; when the content
// could not be read but a ticket or the name told, Note says why.
type ContentIdentifier struct {
	// Keys returns the keys to decrypt with: (nil, nil) when there is no
	// keys file. A nil Keys reads without keys (tickets and names only).
	Keys func() (*keys.Set, error)
}

var _ Identifier = ContentIdentifier{}

// Identify implements Identifier.
func (c ContentIdentifier) Identify(ctx context.Context, path string, lookup Lookup) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var ks *keys.Set
	var keysErr error
	if c.Keys != nil {
		ks, keysErr = c.Keys()
	}
	byName, nameErr := FilenameIdentifier{}.Identify(ctx, path, lookup)
	found, err := content.IdentifyFile(path, ks)
	var why error
	switch {
	case err != nil && !formatError(err):
		// The file could not be read (gone, no permission): the name may
		// still tell; otherwise it is worth trying again.
		if nameErr != nil {
			return Result{}, fmt.Errorf("reading %s: %w", path, err)
		}
		why = err
	case err != nil:
		why = err
	case found.Method == content.MethodCnmt:
		apps := fromCnmt(found.Apps)
		return Result{Apps: apps, Method: MethodCnmt, Note: joinNotes(disagreement(apps, byName, nameErr), byName.Note)}, nil
	default:
		why = found.ContentErr
		if keysErr != nil && errors.Is(why, content.ErrNoKeys) {
			why = fmt.Errorf("the keys file is not valid: %w", keysErr)
		}
		if apps := fromTickets(found.Apps, byName, nameErr, lookup); len(apps) > 0 {
			return Result{Apps: apps, Method: MethodTicket, Note: noteFor(why)}, nil
		}
	}
	if nameErr == nil {
		byName.Note = joinNotes(byName.Note, noteFor(why))
		return byName, nil
	}
	var unidentifiable *UnidentifiableError
	if !errors.As(nameErr, &unidentifiable) {
		return Result{}, nameErr
	}
	return Result{}, &UnidentifiableError{Name: filepath.Base(path),
		Err: fmt.Errorf("content: %v; file name: %w", why, unidentifiable.Err)}
}

// joinNotes joins the notes that are not empty.
func joinNotes(notes ...string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, "; ")
}

// formatError is true for what a file's bytes caused, as opposed to a
// failure to read them.
func formatError(err error) bool {
	return errors.Is(err, content.ErrNotContainer) || errors.Is(err, content.ErrTruncated) || errors.Is(err, content.ErrCorrupt)
}

// noteFor words why the content was not used; nothing when there are no
// keys at all, which is the user's choice and not the file's problem.
func noteFor(why error) string {
	if why == nil || errors.Is(why, content.ErrNoKeys) {
		return ""
	}
	return "content not read: " + why.Error()
}

func fromCnmt(found []content.App) []App {
	apps := make([]App, 0, len(found))
	for _, a := range found {
		kind, _ := TypeFromMeta(int(a.Type))
		apps = append(apps, App{AppID: fmt.Sprintf("%016X", a.ID), TitleID: fmt.Sprintf("%016X", a.BaseID),
			Type: kind, Version: int(a.Version)})
	}
	return apps
}

// fromTickets classifies the tickets' title ids; a ticket tells no version,
// so the file name's is taken when it names the same app.
func fromTickets(found []content.App, byName Result, nameErr error, lookup Lookup) []App {
	var apps []App
	for _, a := range found {
		id := fmt.Sprintf("%016X", a.ID)
		version := 0
		if nameErr == nil {
			for _, n := range byName.Apps {
				if n.AppID == id {
					version = n.Version
				}
			}
		}
		if app, err := Classify(id, version, lookup); err == nil {
			apps = append(apps, app)
		}
	}
	return apps
}

// disagreement says how the name's app differs from the content's, "" when
// it is among them (or the name tells nothing).
func disagreement(apps []App, byName Result, nameErr error) string {
	if nameErr != nil {
		return ""
	}
	var held []string
	for _, a := range apps {
		held = append(held, fmt.Sprintf("%s v%d", a.AppID, a.Version))
	}
	for _, n := range byName.Apps {
		sameApp := false
		for _, a := range apps {
			if a.AppID == n.AppID {
				sameApp = true
				if a.Version == n.Version {
					return ""
				}
			}
		}
		what := "app"
		if sameApp {
			what = "version"
		}
		return fmt.Sprintf("name and content disagree (%s): the file name says %s v%d, the content holds %s; the content wins",
			what, n.AppID, n.Version, strings.Join(held, ", "))
	}
	return ""
}
