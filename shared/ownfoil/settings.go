package ownfoil

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/shop"
)

// ownfoilSettings is the part of Ownfoil's settings.yaml that has a
// counterpart in shelf (its DEFAULT_SETTINGS in app/constants.py).
// Pointers tell a value the file leaves out from a zero value.
type ownfoilSettings struct {
	Library struct {
		Paths      []string `yaml:"paths"`
		Management struct {
			DeleteOlderUpdates *bool `yaml:"delete_older_updates"`
			CompressFiles      *bool `yaml:"compress_files"`
			Organizer          struct {
				Enabled            *bool             `yaml:"enabled"`
				RemoveEmptyFolders *bool             `yaml:"remove_empty_folders"`
				WindowsCompatible  *bool             `yaml:"windows_compatible"`
				Templates          map[string]string `yaml:"templates"`
			} `yaml:"organizer"`
		} `yaml:"management"`
	} `yaml:"library"`
	Titles struct {
		Region   string `yaml:"region"`
		Language string `yaml:"language"`
	} `yaml:"titles"`
	Shop      ownfoilShop `yaml:"shop"`
	Scheduler struct {
		ScanInterval any `yaml:"scan_interval"`
	} `yaml:"scheduler"`
	Worker struct {
		Count *int `yaml:"count"`
	} `yaml:"worker"`
}

// ownfoilShop is Ownfoil's shop section (app/constants.py DEFAULT_SETTINGS["shop"]).
type ownfoilShop struct {
	Public  *bool                    `yaml:"public"`
	MOTD    *string                  `yaml:"motd"`
	Host    *string                  `yaml:"host"`
	Clients map[string]ownfoilClient `yaml:"clients"`
}

// ownfoilClient is one client's settings: encrypt is Tinfoil's only (Ownfoil encrypts with
// Tinfoil's published key), hauth the Hauth Ownfoil verifies per host.
type ownfoilClient struct {
	Enabled *bool             `yaml:"enabled"`
	Encrypt *bool             `yaml:"encrypt"`
	Hauth   map[string]string `yaml:"hauth"`
}

// settingsFile is Ownfoil's settings file in its config folder.
const settingsFile = "settings.yaml"

// ownfoilInterval is Ownfoil's interval syntax (app/utils.py).
var ownfoilInterval = regexp.MustCompile(`^(\d+)([smhd])$`)

// readSettings reads Ownfoil's settings.yaml and turns it into a patch of
// shelf's settings (as PUT /api/settings takes) and notes on what was left
// out and why. A missing file is no error: Ownfoil then ran on defaults.
func readSettings(dir string) (patch map[string]any, notes []string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, settingsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, []string{settingsFile + " not found: no settings to import"}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading Ownfoil's settings: %w", err)
	}
	var o ownfoilSettings
	if err := yaml.Unmarshal(b, &o); err != nil {
		return nil, nil, fmt.Errorf("reading Ownfoil's %s: %w", settingsFile, err)
	}
	patch = map[string]any{}
	set := func(path string, v any) {
		m := patch
		parts := strings.Split(path, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	if len(o.Library.Paths) > 0 {
		var paths []string
		for _, p := range o.Library.Paths {
			if p = filepath.Clean(strings.TrimSpace(p)); p != "." && !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
		set("library.paths", paths)
	}
	m := o.Library.Management
	setBool := func(path string, v *bool) {
		if v != nil {
			set(path, *v)
		}
	}
	setBool("library.management.delete_older_updates", m.DeleteOlderUpdates)
	setBool("library.management.organizer.enabled", m.Organizer.Enabled)
	setBool("library.management.organizer.remove_empty_folders", m.Organizer.RemoveEmptyFolders)
	setBool("library.management.organizer.windows_compatible", m.Organizer.WindowsCompatible)
	for _, kind := range []string{"base", "update", "dlc", "multi"} {
		if t := m.Organizer.Templates[kind]; t != "" {
			set("library.management.organizer.templates."+kind, t)
		}
	}
	if m.CompressFiles != nil && *m.CompressFiles {
		notes = append(notes, "library.management.compress_files is on in Ownfoil: shelf does not compress files, left out")
	}
	if o.Titles.Region != "" {
		set("titles.region", o.Titles.Region)
	}
	if o.Titles.Language != "" {
		set("titles.language", o.Titles.Language)
	}
	if o.Scheduler.ScanInterval != nil {
		interval, note := scanInterval(fmt.Sprint(o.Scheduler.ScanInterval))
		if interval != "" {
			set("scheduler.scan_interval", interval)
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	if c := o.Worker.Count; c != nil {
		slots := min(max(*c, settings.MinSlots), settings.MaxSlots)
		set("worker.slots", slots)
		if slots != *c {
			notes = append(notes, fmt.Sprintf("worker.count %d is outside shelf's %d–%d: worker.slots %d", *c, settings.MinSlots, settings.MaxSlots, slots))
		}
	}
	notes = append(notes, shopSettings(o.Shop, set)...)
	return patch, notes, nil
}

// shopSettings carries Ownfoil's shop over: public, the message, the host (when shelf accepts
// it), each client's switch, and Tinfoil's encryption as Tinfoil's published key. Ownfoil's
// Hauth checks have no counterpart and are named as left out.
func shopSettings(o ownfoilShop, set func(path string, v any)) (notes []string) {
	if o.Public != nil {
		set("shop.public", *o.Public)
	}
	if o.MOTD != nil {
		motd := *o.MOTD
		if n := utf8.RuneCountInString(motd); n > settings.MaxMOTDLength {
			motd = string([]rune(motd)[:settings.MaxMOTDLength])
			notes = append(notes, fmt.Sprintf("shop.motd has %d characters, shelf keeps the first %d", n, settings.MaxMOTDLength))
		}
		set("shop.motd", motd)
	}
	if o.Host != nil {
		check := settings.Default()
		check.Shop.Host = strings.TrimSpace(*o.Host)
		if errs := check.Validate(); len(errs) > 0 {
			notes = append(notes, fmt.Sprintf("shop.host %q left out: %s", *o.Host, errs[0].Message))
		} else {
			set("shop.host", check.Shop.Host)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(o.Clients)) {
		c := o.Clients[name]
		switch name {
		case "tinfoil", "cyberfoil", "dbi", "sphaira":
		default:
			notes = append(notes, fmt.Sprintf("shop.clients.%s left out: shelf does not know that client", name))
			continue
		}
		if c.Enabled != nil {
			set("shop.clients."+name+".enabled", *c.Enabled)
		}
		if name == "tinfoil" && c.Encrypt != nil {
			key := ""
			if *c.Encrypt {
				key = shop.TinfoilPublicKey
			}
			set("shop.clients.tinfoil.public_key", key)
		}
		if len(c.Hauth) > 0 {
			notes = append(notes, fmt.Sprintf("shop.clients.%s.hauth (%d hosts) left out: shelf does not check Hauth; shop.host limits the host", name, len(c.Hauth)))
		}
	}
	return notes
}

// scanInterval converts Ownfoil's "<n>[smhd]" or "0" into shelf's form.
func scanInterval(raw string) (interval, note string) {
	raw = strings.TrimSpace(raw)
	if raw == "0" || raw == "" {
		return "0", ""
	}
	m := ownfoilInterval.FindStringSubmatch(raw)
	if m == nil {
		return "", fmt.Sprintf("scheduler.scan_interval %q is not an interval Ownfoil accepts either, left out", raw)
	}
	d, err := settings.ParseInterval(raw)
	if err != nil {
		return "", fmt.Sprintf("scheduler.scan_interval %q does not fit shelf's intervals, left out", raw)
	}
	if d != 0 && d < settings.MinScanInterval {
		return settings.MinScanInterval.String(), fmt.Sprintf("scheduler.scan_interval %q is shorter than shelf's minimum: %s", raw, settings.MinScanInterval)
	}
	return raw, ""
}
