package account_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/shelfhq/shelf/shared/account"
)

func TestNewHashesAreArgon2idPHCStringsWithOWASPParameters(t *testing.T) {
	t.Parallel()
	h, err := account.HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`), h)
	again, err := account.HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.NotEqual(t, h, again, "each hash has its own salt")

	ok, rehash, err := account.VerifyPassword(h, "correct horse battery staple")
	require.NoError(t, err)
	require.True(t, ok)
	require.False(t, rehash)
	ok, _, err = account.VerifyPassword(h, "correct horse battery stapler")
	require.NoError(t, err)
	require.False(t, ok)
}

// An argon2id hash made with other parameters (RFC 9106's second recommendation, t=3 and
// 64 MiB) verifies with its own parameters and is marked for rehashing to shelf's.
func TestArgon2idWithOtherParametersVerifiesAndIsRehashed(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("password"), salt, 3, 64*1024, 4, 32)
	b64 := base64.RawStdEncoding
	h := "$argon2id$v=19$m=65536,t=3,p=4$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	ok, rehash, err := account.VerifyPassword(h, "password")
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, rehash)
	changed := strings.Replace(h, "t=3", "t=4", 1)
	ok, _, err = account.VerifyPassword(changed, "password")
	require.NoError(t, err)
	require.False(t, ok, "the parameters are part of what is verified")
}

// Werkzeug hashes as Ownfoil stores them. Every vector is real output of Werkzeug 3.1.8's
// generate_password_hash (python3 -c 'from werkzeug.security import generate_password_hash').
var werkzeugVectors = []struct{ password, hash string }{
	{"hunter2-ownfoil", "scrypt:32768:8:1$iYuG7RHfRja66qlJ$a1d203d54c4e3aca9eb707e9e8e414e43759d0e6e6fd0be619e070257613ecbd7cc4d5ee0b362954e535bfcbb0149070371f2bc98c9c7117f874378dc216ea7f"},
	{"Pässwörd ünïcode", "scrypt:32768:8:1$zLWwaH4dXzVwWMwm$eef798160dddfa59537b1153f3d8fab7ef4f3ad43aa3ab33e1858a9be4d5733699fc95327e3846824f85e6b483cadc073d0becd4c9e3976890331861e54ba82a"},
	{"hunter2-ownfoil", "pbkdf2:sha256:600000$uFqZGuG9sVGpyvpY$83796b11246f24ecc5a7558f602a058b0f3556a7baeca3e4a8e7e62104c1e355"},
	{"old-pbkdf2-pass", "pbkdf2:sha256:1000000$b2F2bfkZUqiliYGl$4d7a01886c6ad1f694bb71665013807bc820e5e1b1f04506b7904cab0e9bd914"},
	{"sha512 pass", "pbkdf2:sha512:1000$faSEtI922VRXrltf$3c96249db9f0e9d926e141e668122abb6d6728322a36210cc0b09570a20b218fdc95d30550dd3f77c845a43cde66992605a134c3e9a119ed90b9b437b5a40632"},
}

func TestWerkzeugHashesVerifyAndAskForRehashing(t *testing.T) {
	t.Parallel()
	for _, v := range werkzeugVectors {
		ok, rehash, err := account.VerifyPassword(v.hash, v.password)
		require.NoError(t, err, v.hash)
		require.True(t, ok, v.hash)
		require.True(t, rehash, v.hash)
		ok, rehash, err = account.VerifyPassword(v.hash, v.password+" ")
		require.NoError(t, err)
		require.False(t, ok, v.hash)
		require.False(t, rehash)
	}
}

func TestMalformedOrCostlyHashesAreErrorsNotMatches(t *testing.T) {
	t.Parallel()
	for _, h := range []string{
		"", "plain-text", "md5$abc$def", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
		"$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZXNhbHRzb21lc2FsdHNvbWVzYWx0c29tZXNhbHQ",
		"$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA",
		"scrypt:1048577:8:1$salt$00ff", "scrypt:32768:8$salt$00ff", "scrypt:32768:8:1$salt$not-hex",
		"pbkdf2:md5:1000$salt$00ff", "pbkdf2:sha256:99999999999$salt$00ff", "pbkdf2:sha256:1000$salt$00ff",
	} {
		ok, _, err := account.VerifyPassword(h, "password")
		require.False(t, ok, "%q", h)
		require.Error(t, err, "%q", h)
	}
}
