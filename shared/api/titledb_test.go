package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGetTitleDBOffersTheLocalesOfLanguagesJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodGet, "/api/titledb", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	got := decode[struct {
		ConfiguredURL string              `json:"configured_url"`
		Source        *struct{}           `json:"source"`
		Locales       map[string][]string `json:"locales"`
	}](t, r)
	require.Equal(t, b.set.Current().TitleDB.URL, got.ConfiguredURL)
	require.Nil(t, got.Source, "nothing fetched yet")
	require.ElementsMatch(t, []string{"fr", "de", "it"}, got.Locales["CH"])
}

func TestPutSettingsRefusesALocaleTheTitleDatabaseLacksNamingTheChoices(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodPut, "/api/settings", `{"titles":{"region":"XX","language":"en"}}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "body: %s", r.body)
	require.Contains(t, string(r.body), `"field":"titles.region"`)
	require.Contains(t, string(r.body), "CH, CL, CN")

	r = b.do(t, http.MethodPut, "/api/settings", `{"titles":{"region":"US","language":"de"}}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "body: %s", r.body)
	require.Contains(t, string(r.body), `"field":"titles.language"`)
	require.Contains(t, string(r.body), "one of en, es")

	r = b.do(t, http.MethodPut, "/api/settings", `{"titles":{"region":"CH","language":"it"}}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Equal(t, "CH", b.set.Current().Titles.Region)
}
