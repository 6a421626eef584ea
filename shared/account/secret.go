package account

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretFile is the name of the session secret in the data folder.
const SecretFile = "session.key"

const secretLen = 32

// Secret is the key shelf signs with (the CSRF tokens of sessions). It is generated on the
// first start in the data folder, mode 0600, and shared by every api replica that shares the
// folder.
type Secret struct{ key []byte }

// LoadSecret reads <dataDir>/session.key, creating it with 32 random bytes when it is missing.
// Two processes starting together make one: the file is written aside and linked into place,
// which fails when it exists, and then the winner's file is read.
func LoadSecret(dataDir string) (Secret, error) {
	path := filepath.Join(dataDir, SecretFile)
	key, err := readSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return Secret{key}, err
	}
	key = make([]byte, secretLen)
	if _, err := rand.Read(key); err != nil {
		return Secret{}, fmt.Errorf("session secret: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, ".session.key-*")
	if err != nil {
		return Secret{}, fmt.Errorf("session secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600 already; say so for the reader.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return Secret{}, fmt.Errorf("session secret: %w", err)
	}
	_, werr := tmp.Write(key)
	serr := tmp.Sync()
	if err := errors.Join(werr, serr, tmp.Close()); err != nil {
		return Secret{}, fmt.Errorf("session secret: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return Secret{}, fmt.Errorf("session secret: %w", err)
	}
	key, err = readSecret(path)
	return Secret{key}, err
}

func readSecret(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("session secret %s is readable by others (mode %v): chmod 600 it", path, info.Mode().Perm())
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("session secret: %w", err)
	}
	if len(key) < secretLen {
		return nil, fmt.Errorf("session secret %s holds %d bytes, want %d: delete it to make a new one", path, len(key), secretLen)
	}
	return key, nil
}

// IsZero reports whether s holds no key.
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// RandomSecret is a secret for this process only.
func RandomSecret() Secret {
	key := make([]byte, secretLen)
	_, _ = rand.Read(key)
	return Secret{key: key}
}

// NewSecret is a secret from key (tests, and replicas given one by other means).
func NewSecret(key []byte) Secret { return Secret{key: append([]byte(nil), key...)} }

// CSRFToken is the token a browser sends in a header with every change it asks for under a
// session: an HMAC of the session's key, so any replica can check it without storing it.
func (s Secret) CSRFToken(sessionKey string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("csrf\x00" + sessionKey))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidCSRF compares a sent token with the session's in constant time.
func (s Secret) ValidCSRF(sessionKey, sent string) bool {
	return sent != "" && hmac.Equal([]byte(s.CSRFToken(sessionKey)), []byte(sent))
}
