package settings

import (
	"testing"

	"github.com/stretchr/testify/require"
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
