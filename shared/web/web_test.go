package web_test

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/shop"
	"github.com/shelfhq/shelf/shared/web"
)

// The UI is served from the binary alone: index.html at the root, and every file it or a module
// refers to is embedded.
func TestEveryReferencedFileIsEmbedded(t *testing.T) {
	t.Parallel()
	files := web.FS()
	index, err := fs.ReadFile(files, "index.html")
	require.NoError(t, err)

	refs := regexp.MustCompile(`(?:href|src)="([^"#:]+)"`)
	imports := regexp.MustCompile(`(?m)(?:^import .* from|import\()\s*'(\./[^']+)'`)
	for _, m := range refs.FindAllStringSubmatch(string(index), -1) {
		if strings.HasPrefix(m[1], "api/") {
			continue // the REST API, not a file
		}
		requireFile(t, files, m[1], "index.html")
	}
	scripts, err := fs.Glob(files, "js/*.js")
	require.NoError(t, err)
	require.NotEmpty(t, scripts)
	for _, script := range scripts {
		src, err := fs.ReadFile(files, script)
		require.NoError(t, err)
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			requireFile(t, files, path.Join(path.Dir(script), m[1]), script)
		}
	}
}

func requireFile(t *testing.T, files fs.FS, name, from string) {
	t.Helper()
	_, err := fs.Stat(files, name)
	require.NoError(t, err, "%s refers to %s, which is not embedded", from, name)
}

// No asset may come from the network (no CDN, no web fonts): neither the machines that build
// shelf nor many networks it runs on can reach one.
func TestNoExternalAssets(t *testing.T) {
	t.Parallel()
	url := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/"' )]`)
	err := fs.WalkDir(web.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(web.FS(), name)
		if err != nil {
			return err
		}
		// The SVG namespace (an xmlns attribute, or createElementNS's argument) is a name, not
		// a download.
		text := strings.ReplaceAll(string(data), `"http://www.w3.org/2000/svg"`, "")
		text = strings.ReplaceAll(text, `'http://www.w3.org/2000/svg'`, "")
		require.Empty(t, url.FindAllString(text, -1), "%s refers to another host", name)
		return nil
	})
	require.NoError(t, err)
}

// The Settings page's "Use Tinfoil's key" fills in the key the shop package knows.
func TestTheSettingsPageOffersTinfoilsPublishedKey(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(web.FS(), "js/settings.js")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)const tinfoilPublicKey = `([^`]*)`").FindSubmatch(src)
	require.NotNil(t, m, "settings.js defines tinfoilPublicKey")
	require.Equal(t, strings.TrimSpace(shop.TinfoilPublicKey), string(m[1]))
}
