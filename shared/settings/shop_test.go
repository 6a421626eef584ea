package settings

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func pemOf(t *testing.T, typ string, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func TestShopClientsAreOnUnlessSwitchedOff(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte("shop:\n  clients:\n    dbi:\n      enabled: false\n"))
	require.NoError(t, err)
	require.Equal(t, DefaultMOTD, s.Shop.MOTD)
	for _, name := range []string{"tinfoil", "cyberfoil", "sphaira", "", "curl"} {
		require.True(t, s.Shop.ClientEnabled(name), name)
	}
	require.False(t, s.Shop.ClientEnabled("dbi"))

	merged, err := Merge(s, []byte(`{"shop":{"motd":"Hello\nworld","clients":{"tinfoil":{"enabled":false}}}}`))
	require.NoError(t, err)
	require.False(t, merged.Shop.ClientEnabled("tinfoil"))
	require.False(t, merged.Shop.ClientEnabled("dbi"), "a patch keeps what it does not name")
	require.True(t, merged.Shop.ClientEnabled("cyberfoil"))
	require.Equal(t, "Hello\nworld", merged.Shop.MOTD)

	_, err = Merge(s, []byte(`{"shop":{"clients":{"goldleaf":{"enabled":true}}}}`))
	require.ErrorContains(t, err, "shop.clients.goldleaf: unknown field")
}

func TestShopValidationNamesEachField(t *testing.T) {
	t.Parallel()
	key2048, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	key1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	pkix, err := x509.MarshalPKIXPublicKey(&key2048.PublicKey)
	require.NoError(t, err)
	small, err := x509.MarshalPKIXPublicKey(&key1024.PublicKey)
	require.NoError(t, err)
	const keyField = "shop.clients.tinfoil.public_key"
	tests := []struct {
		name    string
		edit    func(*Shop)
		field   string
		message string // "" for valid
	}{
		{"motd with line breaks", func(s *Shop) { s.MOTD = "Welcome!\nBe nice." }, "", ""},
		{"motd empty", func(s *Shop) { s.MOTD = "" }, "", ""},
		{"motd too long", func(s *Shop) { s.MOTD = strings.Repeat("é", MaxMOTDLength+1) }, "shop.motd", "at most 500"},
		{"motd with NUL", func(s *Shop) { s.MOTD = "a\x00b" }, "shop.motd", "control characters"},
		{"host name", func(s *Shop) { s.Host = "shop.example.com" }, "", ""},
		{"host with port", func(s *Shop) { s.Host = "192.168.1.20:8465" }, "", ""},
		{"host IPv6", func(s *Shop) { s.Host = "[fd00::1]:8465" }, "", ""},
		{"host with scheme", func(s *Shop) { s.Host = "https://shop.example.com" }, "shop.host", "without scheme"},
		{"host with path", func(s *Shop) { s.Host = "shop.example.com/shop" }, "shop.host", "without scheme or path"},
		{"host bad port", func(s *Shop) { s.Host = "shop.example.com:99999" }, "shop.host", "port"},
		{"host underscore", func(s *Shop) { s.Host = "my_shop.lan" }, "shop.host", "letters, digits"},
		{"key PKIX", func(s *Shop) { s.Clients.Tinfoil.PublicKey = pemOf(t, "PUBLIC KEY", pkix) }, "", ""},
		{"key PKCS1", func(s *Shop) {
			s.Clients.Tinfoil.PublicKey = pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key2048.PublicKey))
		}, "", ""},
		{"key not PEM", func(s *Shop) { s.Clients.Tinfoil.PublicKey = "ssh-rsa AAAA" }, keyField, "PEM public key"},
		{"key private", func(s *Shop) {
			s.Clients.Tinfoil.PublicKey = pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key2048))
		}, keyField, "never paste a private key"},
		{"key too small", func(s *Shop) { s.Clients.Tinfoil.PublicKey = pemOf(t, "PUBLIC KEY", small) }, keyField, "2048 bits"},
		{"key corrupt", func(s *Shop) { s.Clients.Tinfoil.PublicKey = pemOf(t, "PUBLIC KEY", pkix[:40]) }, keyField, "not a readable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Default()
			tc.edit(&s.Shop)
			errs := s.Validate()
			if tc.field == "" {
				require.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "%v", errs)
			require.Equal(t, tc.field, errs[0].Field)
			require.Contains(t, errs[0].Message, tc.message)
		})
	}
}

func TestTinfoilKeyIsTheConfiguredKey(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pkix, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	var s Shop
	got, err := s.TinfoilKey()
	require.NoError(t, err)
	require.Nil(t, got, "no key: a plain index")
	s.Clients.Tinfoil.PublicKey = "\n" + pemOf(t, "PUBLIC KEY", pkix) + "\n"
	got, err = s.TinfoilKey()
	require.NoError(t, err)
	require.True(t, key.PublicKey.Equal(got))
}

func TestShopHostMatchesTheHostHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		setting, header string
		match           bool
	}{
		{"", "anything:1", true},
		{"shop.example.com", "shop.example.com", true},
		{"shop.example.com", "SHOP.example.com:8465", true},
		{"shop.example.com", "192.168.1.20:8465", false},
		{"shop.example.com:8465", "shop.example.com:8465", true},
		{"shop.example.com:8465", "shop.example.com", false},
		{"shop.example.com:8465", "shop.example.com:80", false},
		{"fd00::1", "[fd00::1]:8465", true},
	} {
		require.Equal(t, tc.match, Shop{Host: tc.setting}.MatchesHost(tc.header), "%q vs %q", tc.setting, tc.header)
	}
}
