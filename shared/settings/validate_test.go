package settings

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateReportsEachRuleWithItsField(t *testing.T) {
	t.Parallel()
	const tplField = "library.management.organizer.templates."
	tests := []struct {
		name    string
		edit    func(*Settings)
		field   string
		message string // a fragment of the message
	}{
		{"slots zero", func(s *Settings) { s.Worker.Slots = 0 }, "worker.slots", "between 1 and 256"},
		{"slots too many", func(s *Settings) { s.Worker.Slots = 257 }, "worker.slots", "between 1 and 256"},
		{"interval not a duration", func(s *Settings) { s.Scheduler.ScanInterval = "daily" }, "scheduler.scan_interval", "must be a duration"},
		{"interval empty", func(s *Settings) { s.Scheduler.ScanInterval = "" }, "scheduler.scan_interval", "must be a duration"},
		{"interval under a minute", func(s *Settings) { s.Scheduler.ScanInterval = "30s" }, "scheduler.scan_interval", "at least 1m0s"},
		{"interval negative", func(s *Settings) { s.Scheduler.ScanInterval = "-1h" }, "scheduler.scan_interval", "at least"},
		{"region lower case", func(s *Settings) { s.Titles.Region = "us" }, "titles.region", "upper-case"},
		{"region three letters", func(s *Settings) { s.Titles.Region = "USA" }, "titles.region", "two-letter"},
		{"language upper case", func(s *Settings) { s.Titles.Language = "EN" }, "titles.language", "lower-case"},
		{"language empty", func(s *Settings) { s.Titles.Language = "" }, "titles.language", "two-letter"},
		{"url ftp", func(s *Settings) { s.TitleDB.URL = "ftp://example.com/titles.zip" }, "titledb.url", "http or https"},
		{"url relative", func(s *Settings) { s.TitleDB.URL = "titles.zip" }, "titledb.url", "http or https"},
		{"url without host", func(s *Settings) { s.TitleDB.URL = "https:///titles.zip" }, "titledb.url", "host"},
		{"path empty", func(s *Settings) { s.Library.Paths = []string{"/games", ""} }, "library.paths[1]", "must not be empty"},
		{"path blank", func(s *Settings) { s.Library.Paths = []string{"  "} }, "library.paths[0]", "must not be empty"},
		{"path with NUL", func(s *Settings) { s.Library.Paths = []string{"/ga\x00mes"} }, "library.paths[0]", "control characters"},
		{"path not clean", func(s *Settings) { s.Library.Paths = []string{"/games/"} }, "library.paths[0]", `write "/games"`},
		{"relative path not clean", func(s *Settings) { s.Library.Paths = []string{"./games"} }, "library.paths[0]", `write "games"`},
		{"path duplicate", func(s *Settings) { s.Library.Paths = []string{"/a", "/b", "/a"} }, "library.paths[2]", "duplicates library.paths[0]"},
		{"template empty", func(s *Settings) { s.Library.Management.Organizer.Templates.Base = "" }, tplField + "base", "must not be empty"},
		{"template unknown placeholder", func(s *Settings) { s.Library.Management.Organizer.Templates.Update = "{titleName}/{region}" }, tplField + "update", "unknown placeholder {region}"},
		{"template empty placeholder", func(s *Settings) { s.Library.Management.Organizer.Templates.DLC = "{}" }, tplField + "dlc", "unknown placeholder {}"},
		{"template absolute", func(s *Settings) { s.Library.Management.Organizer.Templates.Multi = "/srv/{titleName}" }, tplField + "multi", "relative"},
		{"template backslash absolute", func(s *Settings) { s.Library.Management.Organizer.Templates.Multi = `\{titleName}` }, tplField + "multi", "relative"},
		{"template drive letter", func(s *Settings) { s.Library.Management.Organizer.Templates.Multi = `C:\{titleName}` }, tplField + "multi", "relative"},
		{"template dot dot", func(s *Settings) { s.Library.Management.Organizer.Templates.Base = "{titleName}/../{appId}" }, tplField + "base", `".."`},
		{"template dot dot backslash", func(s *Settings) { s.Library.Management.Organizer.Templates.Base = `..\{appId}` }, tplField + "base", `".."`},
		{"template unclosed brace", func(s *Settings) { s.Library.Management.Organizer.Templates.Base = "{titleName" }, tplField + "base", `"{" without`},
		{"template nested brace", func(s *Settings) { s.Library.Management.Organizer.Templates.Base = "{title{appId}}" }, tplField + "base", `"{" without`},
		{"template stray close", func(s *Settings) { s.Library.Management.Organizer.Templates.Base = "titleName}" }, tplField + "base", `"}" without`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Default()
			tc.edit(&s)
			errs := s.Validate()
			require.Len(t, errs, 1, "%v", errs)
			require.Equal(t, tc.field, errs[0].Field)
			require.Contains(t, errs[0].Message, tc.message)
		})
	}
}

func TestValidateAcceptsReasonableValues(t *testing.T) {
	t.Parallel()
	s := Default()
	s.Library.Paths = []string{"/games", "relative/games", "/mnt/Switch Games"}
	s.Titles = Titles{Region: "JP", Language: "ja"}
	s.TitleDB.URL = "https://example.com/titledb/titles.zip"
	s.Scheduler.ScanInterval = "1m"
	s.Worker.Slots = MaxSlots
	s.Library.Management.Organizer.Templates.Base = "{titleName} ({titleId})/{appName} v{appVersion} p{patchLevel}.{extension}"
	s.Library.Management.Organizer.Templates.Multi = "..{titleName}../x" // dots inside a name are not a ".." segment
	require.Empty(t, s.Validate())
}

func TestValidationErrorListsEveryProblem(t *testing.T) {
	t.Parallel()
	s := Default()
	s.Worker.Slots = 0
	s.Titles.Region = "x"
	err := ValidationError{Errors: s.Validate()}
	require.Len(t, err.Errors, 2)
	require.True(t, strings.HasPrefix(err.Error(), "invalid settings: "))
	require.Contains(t, err.Error(), "worker.slots: ")
	require.Contains(t, err.Error(), "titles.region: ")
}
