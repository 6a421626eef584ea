package settings

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// MinScanInterval is the shortest periodic scan allowed, because a full scan of a large library on
// a shorter period would never leave the workers idle.
const MinScanInterval = time.Minute

var (
	regionPattern   = regexp.MustCompile(`^[A-Z]{2}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2}$`)
)

// Validate returns every problem with s, or nothing when s is usable. Messages say what a valid
// value looks like, since they are shown to the user who typed the value.
func (s Settings) Validate() []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	validatePaths(s.Library.Paths, add)

	t := s.Library.Management.Organizer.Templates
	for _, tpl := range []struct{ field, value string }{
		{"base", t.Base}, {"update", t.Update}, {"dlc", t.DLC}, {"multi", t.Multi},
	} {
		if msg := checkTemplate(tpl.value); msg != "" {
			add("library.management.organizer.templates."+tpl.field, "%s", msg)
		}
	}

	if !regionPattern.MatchString(s.Titles.Region) {
		add("titles.region", "must be a two-letter upper-case country code such as \"US\", got %q", s.Titles.Region)
	}
	if !languagePattern.MatchString(s.Titles.Language) {
		add("titles.language", "must be a two-letter lower-case language code such as \"en\", got %q", s.Titles.Language)
	}
	if msg := checkTitleDBURL(s.TitleDB.URL); msg != "" {
		add("titledb.url", "%s", msg)
	}
	if msg := checkScanInterval(s.Scheduler.ScanInterval); msg != "" {
		add("scheduler.scan_interval", "%s", msg)
	}
	if s.Worker.Slots < MinSlots || s.Worker.Slots > MaxSlots {
		add("worker.slots", "must be between %d and %d, got %d", MinSlots, MaxSlots, s.Worker.Slots)
	}
	s.Shop.validate(add)
	return errs
}

func validatePaths(paths []string, add func(field, format string, args ...any)) {
	seen := make(map[string]int, len(paths))
	for i, p := range paths {
		field := fmt.Sprintf("library.paths[%d]", i)
		switch {
		case strings.TrimSpace(p) == "":
			add(field, "must not be empty")
		case strings.ContainsFunc(p, unicode.IsControl):
			add(field, "must not contain control characters")
		case filepath.Clean(p) != p:
			add(field, "must be a clean path: write %q instead of %q", filepath.Clean(p), p)
		default:
			if first, dup := seen[p]; dup {
				add(field, "duplicates library.paths[%d]", first)
			} else {
				seen[p] = i
			}
		}
	}
}

func checkTitleDBURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("must be an http or https URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("must be an http or https URL (or empty for the bundled sample only), got %q", raw)
	}
	if u.Host == "" {
		return fmt.Sprintf("must include a host name, got %q", raw)
	}
	return ""
}

func checkScanInterval(raw string) string {
	d, err := ParseInterval(raw)
	if err != nil {
		return fmt.Sprintf("must be a duration such as \"12h\", \"90m\" or \"1d\", or \"0\" to turn periodic scans off, got %q", raw)
	}
	if d != 0 && d < MinScanInterval {
		return fmt.Sprintf("must be \"0\" (off) or at least %s, got %q", MinScanInterval, raw)
	}
	return ""
}
