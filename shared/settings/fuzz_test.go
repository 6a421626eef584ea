package settings

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/organize"
)

func FuzzParse(f *testing.F) {
	def, err := Marshal(Default())
	require.NoError(f, err)
	for _, seed := range []string{
		string(def),
		"{}",
		"library:\n  paths: [/games, relative]\nworker:\n  slots: 4\n",
		"titles: {region: DE, language: de}\nscheduler: {scan_interval: \"0\"}\n",
		"titledb:\n  url: https://example.com/titles.zip\n",
		"library:\n  management:\n    organizer:\n      templates:\n        base: \"{titleName}/{appId}.{extension}\"\n",
		"a: &a {region: DE}\ntitles:\n  <<: *a\n",
		"worker: {slots: 0x10}\n",
		"worker:\n  slots: 2\n titles: [\n",
		"\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		require.Empty(t, s.Validate())
		out, err := Marshal(s)
		require.NoError(t, err)
		again, err := Parse(out)
		require.NoError(t, err, "re-parsing:\n%s", out)
		require.Equal(t, s, again)
	})
}

// FuzzMerge feeds PUT /api/settings patches to Merge: every rejection is a ValidationError
// that says something, base is never modified, and what is accepted is valid, survives a trip
// through settings.yaml and is a fixed point of an empty patch.
func FuzzMerge(f *testing.F) {
	for _, seed := range []string{
		`{"worker":{"slots":4}}`,
		`{"library":{"paths":["/games","/more"]},"titles":{"region":"DE","language":"de"}}`,
		`{"library":{"management":{"organizer":{"enabled":true,"windows_compatible":true,"templates":{"base":"{titleName}/{appId}"}}}}}`,
		`{"library":{"management":{"organizer":{"templates":{"dlc":"../{appName}","multi":"C:\\x"}}}}}`,
		`{"scheduler":{"scan_interval":"0"},"titledb":{"url":"https://example.com/titledb.zip"}}`,
		`{"worker":{"slots":"4"}}`, `{"worker":{"slot":4}}`, `{"worker":null}`, `{"library":{"paths":"x"}}`,
		`{"worker":{"slots":1e400}}`, `{"worker":{"slots":-1}}`, `{}`, `[]`, `null`, `{"a":1}{}`, `{`,
	} {
		f.Add([]byte(seed))
	}
	base := Default()
	base.Library.Paths = []string{"/games"}
	f.Fuzz(func(t *testing.T, patch []byte) {
		before := base.Clone()
		out, err := Merge(base, patch)
		require.True(t, base.Equal(before), "Merge modified base")
		if err != nil {
			var invalid ValidationError
			require.ErrorAs(t, err, &invalid)
			require.NotEmpty(t, invalid.Errors)
			for _, fe := range invalid.Errors {
				require.NotEmpty(t, fe.Message, "error for %q says nothing", fe.Field)
			}
			return
		}
		require.Empty(t, out.Validate())
		data, err := Marshal(out)
		require.NoError(t, err)
		again, err := Parse(data)
		require.NoError(t, err, "re-parsing:\n%s", data)
		require.True(t, out.Equal(again), "settings.yaml round trip changed %s", data)
		same, err := Merge(out, []byte(`{}`))
		require.NoError(t, err)
		require.True(t, out.Equal(same))
	})
}

// FuzzTemplateAgreesWithOrganizer: a template the settings accept must be one the organizer
// can use, and its files must land inside the library, whatever the title is called. Two
// packages check templates (settings when saving, organize when moving); a template that only
// the first accepts would fail every move after the user was told it was fine.
func FuzzTemplateAgreesWithOrganizer(f *testing.F) {
	for _, seed := range []string{
		organize.DefaultTemplate, organize.DefaultDLCTemplate, "{titleName}/{titleName} [{titleId}]",
		"{titleName}\\{appName} v{patchLevel}.{extension}", "a}b", "{titleName", "{}", "../x", "/abs", "C:x",
		"x/../y", "{titleName}/./{appId}", " ", "x\x00", "{{titleName}}", "{region}", "..\\{appId}", "...",
	} {
		f.Add(seed, "Super Game", false)
	}
	f.Add("{titleName}", "../../etc", true)
	f.Add("{appName}/{titleName}", "CON", true)
	f.Fuzz(func(t *testing.T, tpl, title string, windowsSafe bool) {
		if checkTemplate(tpl) != "" {
			return
		}
		require.NoError(t, organize.Validate(tpl), "settings accepted %q", tpl)
		v := organize.Values{TitleName: title, TitleID: "0100ABCD12340000", AppID: "0100ABCD12340800",
			AppVersion: 65536, AppName: title, PatchLevel: 1}
		dst, err := organize.Destination("/library", tpl, v, "nsp", windowsSafe)
		require.NoError(t, err, "settings accepted %q, the organizer cannot place %q with it", tpl, title)
		require.True(t, strings.HasPrefix(dst, "/library/"), "%q with %q goes to %q", tpl, title, dst)
	})
}
