// Package settings holds shelf's run-time settings: the settings.yaml file in the data folder that
// users edit by hand and the REST API edits for them, and the Manager that every service uses to
// watch that file and apply changes live.
//
// The file is the single source of truth. Services never cache settings of their own; they read
// Manager.Current or subscribe to changes, so that an edit reaches every replica of every service
// within a fraction of a second and an invalid edit is rejected everywhere in the same way.
package settings

import (
	"reflect"
	"runtime"
	"slices"
	"time"
)

// Settings is the content of settings.yaml. The yaml and json names are identical so that the file,
// the REST API and the error field paths all use one vocabulary.
type Settings struct {
	Library   Library   `yaml:"library" json:"library"`
	Titles    Titles    `yaml:"titles" json:"titles"`
	TitleDB   TitleDB   `yaml:"titledb" json:"titledb"`
	Scheduler Scheduler `yaml:"scheduler" json:"scheduler"`
	Worker    Worker    `yaml:"worker" json:"worker"`
	Shop      Shop      `yaml:"shop" json:"shop"`
}

// Library says where the games are and how shelf may rearrange them.
type Library struct {
	// Paths are the library folders. Relative paths are relative to the service's working
	// directory; each must be clean (as filepath.Clean returns it) and listed once.
	Paths      []string   `yaml:"paths" json:"paths"`
	Management Management `yaml:"management" json:"management"`
}

// Management holds the options that move, rename or delete the user's files.
type Management struct {
	Organizer Organizer `yaml:"organizer" json:"organizer"`
	// DeleteOlderUpdates removes an update file once a newer version of the same update is present.
	DeleteOlderUpdates bool `yaml:"delete_older_updates" json:"delete_older_updates"`
}

// Organizer controls moving files into the folder layout given by Templates.
type Organizer struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// RemoveEmptyFolders deletes folders the organizer leaves empty behind it.
	RemoveEmptyFolders bool `yaml:"remove_empty_folders" json:"remove_empty_folders"`
	// WindowsCompatible replaces characters Windows does not allow in file names, for libraries
	// shared over SMB.
	WindowsCompatible bool      `yaml:"windows_compatible" json:"windows_compatible"`
	Templates         Templates `yaml:"templates" json:"templates"`
}

// Templates are relative paths with {placeholder}s, one per kind of file; see Placeholders.
type Templates struct {
	Base   string `yaml:"base" json:"base"`
	Update string `yaml:"update" json:"update"`
	DLC    string `yaml:"dlc" json:"dlc"`
	Multi  string `yaml:"multi" json:"multi"`
}

// Titles selects which regional variant of the title database names games.
type Titles struct {
	// Region is an ISO 3166 country code in upper case; defaults to "US".
	Region string `yaml:"region" json:"region"`
	// Language is an ISO 639-1 code in lower case; defaults to "en".
	Language string `yaml:"language" json:"language"`
}

// TitleDB says where the title database comes from.
type TitleDB struct {
	// URL is an http(s) base URL (the community repository's layout, US.en.json, or Ownfoil's,
	// titles.US.en.json) or the URL of a .zip file (such as Ownfoil's titledb.zip). Defaults to
	// DefaultTitleDBURL; until it can be reached a fresh install uses the sample title database
	// bundled with shelf. Empty means that sample only (no download).
	URL string `yaml:"url" json:"url"`
}

// DefaultTitleDBURL is the community title database as most tools read it: the raw files of
// github.com/blawar/titledb. Ownfoil's default is the zip its CI builds from it,
// https://nightly.link/a1ex4/ownfoil/workflows/region_titles/master/titledb.zip.
const DefaultTitleDBURL = "https://raw.githubusercontent.com/blawar/titledb/master/"

// Scheduler holds the periodic jobs.
type Scheduler struct {
	// ScanInterval is a Go duration ("12h", "90m") or a number of days ("1d") between full library
	// scans; "0" turns periodic scans off. Defaults to "12h". Use Settings.ScanInterval for the parsed value.
	ScanInterval string `yaml:"scan_interval" json:"scan_interval"`
}

// Worker sizes each worker replica.
type Worker struct {
	// Slots is how many tasks one worker process runs at once, 1..256. Defaults to the number of
	// CPUs of the process that reads the file when the field is absent. Slots bound how many
	// handlers run at once, not how fast short tasks flow: a worker also claims up to 500 tasks
	// ahead (about 50 ms of work at its recent run times, none for tasks of a second or more),
	// so a task enqueued later with a higher priority waits behind those at most 1 s (then they
	// go back to the queue), usually only until half of them have started.
	Slots int `yaml:"slots" json:"slots"`
}

// Shop is the shop that consoles (Tinfoil, CyberFoil, DBI, Sphaira) browse.
type Shop struct {
	// Public lets anyone who reaches the api browse and download the shop, without a user.
	// Defaults to false: once users exist, the shop needs a user with the shop role.
	Public bool `yaml:"public" json:"public"`
	// MOTD is the message Tinfoil and CyberFoil show on opening the shop (the index's
	// "success"); at most MaxMOTDLength characters. Defaults to "shelf".
	MOTD string `yaml:"motd" json:"motd"`
	// Host, when set, is the one host name (optionally with ":port") the shop answers on: a
	// console that reaches shelf under another name gets 421, a browser the web UI as before.
	// Empty answers on every name.
	Host    string      `yaml:"host" json:"host"`
	Clients ShopClients `yaml:"clients" json:"clients"`
}

// ShopClients switches each console client on or off (all on by default); a client switched
// off is told so in the form it shows.
type ShopClients struct {
	Tinfoil   TinfoilClient `yaml:"tinfoil" json:"tinfoil"`
	CyberFoil ShopClient    `yaml:"cyberfoil" json:"cyberfoil"`
	DBI       ShopClient    `yaml:"dbi" json:"dbi"`
	Sphaira   ShopClient    `yaml:"sphaira" json:"sphaira"`
}

// ShopClient is one console client's switch.
type ShopClient struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
}

// TinfoilClient is Tinfoil's switch and its optional index encryption.
type TinfoilClient struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// PublicKey is a PEM RSA-2048 public key ("PUBLIC KEY" or "RSA PUBLIC KEY"). When set,
	// Tinfoil gets the index in its encrypted format, readable only with the private key
	// Tinfoil holds. Empty serves plain JSON.
	PublicKey string `yaml:"public_key" json:"public_key"`
}

// MaxMOTDLength bounds shop.motd, in characters: a console shows it in one dialog.
const MaxMOTDLength = 500

// DefaultMOTD is shop.motd when the file leaves it out.
const DefaultMOTD = "shelf"

// ClientEnabled reports whether the console client of this name (tinfoil, cyberfoil, dbi,
// sphaira) may use the shop; other names (a browser, a script) always may.
func (s Shop) ClientEnabled(name string) bool {
	switch name {
	case "tinfoil":
		return s.Clients.Tinfoil.Enabled
	case "cyberfoil":
		return s.Clients.CyberFoil.Enabled
	case "dbi":
		return s.Clients.DBI.Enabled
	case "sphaira":
		return s.Clients.Sphaira.Enabled
	}
	return true
}

// Default template values. Base games and updates share one folder per title so that an update
// sits next to the game it patches.
const (
	DefaultBaseTemplate   = "{titleName}/{titleName} [{appId}][v{appVersion}]"
	DefaultUpdateTemplate = "{titleName}/{titleName} [{appId}][v{appVersion}]"
	DefaultDLCTemplate    = "{titleName}/{appName} [{appId}][v{appVersion}]"
	DefaultMultiTemplate  = "{titleName}/{titleName} [{titleId}]"
)

// Limits of Worker.Slots.
const (
	MinSlots = 1
	MaxSlots = 256
)

// Default returns the settings used for every field that settings.yaml leaves out.
func Default() Settings {
	return Settings{
		Library: Library{
			Paths: []string{},
			Management: Management{
				Organizer: Organizer{
					Templates: Templates{
						Base:   DefaultBaseTemplate,
						Update: DefaultUpdateTemplate,
						DLC:    DefaultDLCTemplate,
						Multi:  DefaultMultiTemplate,
					},
				},
			},
		},
		Titles:    Titles{Region: "US", Language: "en"},
		TitleDB:   TitleDB{URL: DefaultTitleDBURL},
		Scheduler: Scheduler{ScanInterval: "12h"},
		Worker:    Worker{Slots: min(max(runtime.NumCPU(), MinSlots), MaxSlots)},
		Shop: Shop{MOTD: DefaultMOTD, Clients: ShopClients{
			Tinfoil:   TinfoilClient{Enabled: true},
			CyberFoil: ShopClient{Enabled: true},
			DBI:       ShopClient{Enabled: true},
			Sphaira:   ShopClient{Enabled: true},
		}},
	}
}

// ScanInterval returns the time between periodic library scans; 0 means periodic scans are off.
// It also returns 0 for a value that does not parse, which Validate rejects.
func (s Settings) ScanInterval() time.Duration {
	d, err := ParseInterval(s.Scheduler.ScanInterval)
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// Clone returns a deep copy, so that a caller may modify the result without affecting settings
// that other goroutines are reading.
func (s Settings) Clone() Settings {
	s.Library.Paths = slices.Clone(s.Library.Paths)
	if s.Library.Paths == nil {
		s.Library.Paths = []string{}
	}
	return s
}

// Equal reports whether two settings are the same; a nil and an empty path list are equal.
func (s Settings) Equal(o Settings) bool {
	// Clone turns a nil path list into an empty one, which is all DeepEqual would disagree on.
	return reflect.DeepEqual(s.Clone(), o.Clone())
}
