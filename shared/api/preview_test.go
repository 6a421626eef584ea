package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/settings"
)

type previewBody struct {
	Paths map[string]struct {
		Example string `json:"example"`
		Path    string `json:"path"`
	} `json:"paths"`
}

func TestPreviewRendersEveryTemplateWithoutSaving(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodPost, "/api/settings/preview",
		`{"library":{"management":{"organizer":{"templates":{"base":"{titleName} [{titleId}]/v{patchLevel}"}}}}}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got := decode[previewBody](t, r)
	require.Equal(t, "Lumen Drift [0100A1B2C3D40000]/v0.nsp", got.Paths["base"].Path)
	require.Equal(t, "Lumen Drift/Lumen Drift [0100A1B2C3D40800][v131072].nsp", got.Paths["update"].Path,
		"templates the patch leaves out are the ones in force")
	require.Equal(t, "Lumen Drift/Tidewater Pack [0100A1B2C3D41001][v65536].nsp", got.Paths["dlc"].Path)
	require.Equal(t, "Lumen Drift/Lumen Drift [0100A1B2C3D40000].xci", got.Paths["multi"].Path)
	for kind, p := range got.Paths {
		require.NotEmpty(t, p.Example, "%s says what its example file is", kind)
	}
	require.Equal(t, settings.DefaultBaseTemplate, b.set.Current().Library.Management.Organizer.Templates.Base, "nothing saved")
}

func TestPreviewFollowsWindowsCompatible(t *testing.T) {
	t.Parallel()
	b := setup(t)
	patch := `{"library":{"management":{"organizer":{"windows_compatible":%s,"templates":{"base":"{titleName}: {appId}?"}}}}}`
	unix := decode[previewBody](t, b.do(t, http.MethodPost, "/api/settings/preview", fmt.Sprintf(patch, "false")))
	require.Equal(t, "Lumen Drift: 0100A1B2C3D40000?.nsp", unix.Paths["base"].Path)
	windows := decode[previewBody](t, b.do(t, http.MethodPost, "/api/settings/preview", fmt.Sprintf(patch, "true")))
	require.Equal(t, "Lumen Drift_ 0100A1B2C3D40000_.nsp", windows.Paths["base"].Path)
}

func TestPreviewAnswersTheSameFieldErrorsAsPut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, bad := range []struct{ patch, field string }{
		{`{"library":{"management":{"organizer":{"templates":{"dlc":"{bogus}/x"}}}}}`, "library.management.organizer.templates.dlc"},
		{`{"library":{"management":{"organizer":{"templates":{"base":"../{titleName}"}}}}}`, "library.management.organizer.templates.base"},
		{`{"worker":{"slots":0}}`, "worker.slots"},
	} {
		requireFieldError(t, b.do(t, http.MethodPost, "/api/settings/preview", bad.patch), bad.field)
		requireFieldError(t, b.do(t, http.MethodPut, "/api/settings", bad.patch), bad.field)
	}
	requireError(t, b.do(t, http.MethodPost, "/api/settings/preview", `[]`), http.StatusBadRequest, "invalid_json")
	r := b.do(t, http.MethodPost, "/api/settings/preview", nil)
	require.Equal(t, http.StatusOK, r.status, "no body previews the settings in force: %s", r.body)
}

func TestPreviewNeedsTheToken(t *testing.T) {
	t.Parallel()
	b := setup(t, withToken(false))
	requireError(t, b.do(t, http.MethodPost, "/api/settings/preview", `{}`), http.StatusUnauthorized, "unauthorized")
	r := b.do(t, http.MethodPost, "/api/settings/preview", `{}`, "Authorization", "Bearer "+testToken)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}
