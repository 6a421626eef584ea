package ownfoil

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/shelfhq/shelf/shared/settings"
)

// What shelf cannot take from Ownfoil's shop section is left out and said so; the rest is set.
func TestShopSettingsCarryOverOrSayWhyNot(t *testing.T) {
	t.Parallel()
	var o ownfoilShop
	require.NoError(t, yaml.Unmarshal([]byte(`
public: true
motd: "`+strings.Repeat("x", settings.MaxMOTDLength+3)+`"
host: https://shop.example.lan/
clients:
  tinfoil: {enabled: false, encrypt: false, hauth: {"shop.example.lan": "A6C2"}}
  goldleaf: {enabled: true}
`), &o))
	got := map[string]any{}
	notes := shopSettings(o, func(path string, v any) { got[path] = v })
	require.Equal(t, map[string]any{
		"shop.public":                     true,
		"shop.motd":                       strings.Repeat("x", settings.MaxMOTDLength),
		"shop.clients.tinfoil.enabled":    false,
		"shop.clients.tinfoil.public_key": "",
	}, got)
	require.Len(t, notes, 4, "%q", notes)
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"shelf keeps the first 500", `shop.host "https://shop.example.lan/" left out`,
		"shop.clients.goldleaf left out", "shop.clients.tinfoil.hauth (1 hosts) left out"} {
		require.Contains(t, joined, want)
	}
}
