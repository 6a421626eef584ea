package account

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// The argon2id parameters of new hashes: OWASP's Password Storage Cheat Sheet's first choice
// (m=19 MiB, t=2, p=1): 76–106 ms a verify on this 2-core test machine while shared; a
// 16-byte salt and a 32-byte key.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on the parameters of a stored hash, so that a corrupt or crafted row cannot make one
// login cost gigabytes or minutes.
const (
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 64
	maxScryptN        = 1 << 20
	maxPBKDF2Rounds   = 10_000_000
)

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id hash of password in the PHC string format
// ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, base64 without padding).
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errUnknownHash is a stored hash of a form VerifyPassword does not know.
var errUnknownHash = errors.New("unknown password hash format")

// VerifyPassword reports whether password matches the stored hash, and whether the hash should
// be replaced by HashPassword's (an imported Werkzeug hash, or argon2id with other parameters).
// It accepts argon2id PHC strings and Werkzeug's "scrypt:N:r:p$salt$hex" and
// "pbkdf2:<sha1|sha256|sha512>:<rounds>$salt$hex", which Ownfoil stores. The comparison is in
// constant time.
func VerifyPassword(stored, password string) (ok, rehash bool, err error) {
	switch {
	case strings.HasPrefix(stored, "$argon2id$"):
		return verifyArgon2id(stored, password)
	case strings.HasPrefix(stored, "scrypt:"), strings.HasPrefix(stored, "pbkdf2:"):
		ok, err := verifyWerkzeug(stored, password)
		return ok, ok, err
	}
	return false, false, errUnknownHash
}

func verifyArgon2id(stored, password string) (ok, rehash bool, err error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, false, errors.New("malformed argon2id hash")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, false, fmt.Errorf("malformed argon2id parameters: %w", err)
	}
	if m < 8 || m > maxArgonMemoryKiB || t < 1 || t > maxArgonTime || p < 1 {
		return false, false, errors.New("argon2id parameters out of bounds")
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) < 16 || len(want) > 128 {
		return false, false, errors.New("malformed argon2id salt or key")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	rehash = m != argonMemoryKiB || t != argonTime || p != argonThreads || len(want) != argonKeyLen
	return ok, ok && rehash, nil
}

// verifyWerkzeug checks a hash of werkzeug.security.generate_password_hash: the method with its
// parameters, the salt (used as its text), and the derived key in hex. scrypt's key is 64
// bytes (hashlib's default), PBKDF2's the digest's size.
func verifyWerkzeug(stored, password string) (bool, error) {
	method, rest, _ := strings.Cut(stored, "$")
	salt, hexKey, ok := strings.Cut(rest, "$")
	want, err := hex.DecodeString(hexKey)
	if !ok || err != nil || len(want) == 0 {
		return false, errors.New("malformed Werkzeug hash")
	}
	args := strings.Split(method, ":")
	var got []byte
	switch args[0] {
	case "scrypt":
		n, r, p := 1<<15, 8, 1 // Werkzeug's defaults when the method is a bare "scrypt"
		if len(args) == 4 {
			var errs [3]error
			n, errs[0] = strconv.Atoi(args[1])
			r, errs[1] = strconv.Atoi(args[2])
			p, errs[2] = strconv.Atoi(args[3])
			if errors.Join(errs[:]...) != nil {
				return false, errors.New("malformed Werkzeug scrypt parameters")
			}
		} else if len(args) != 1 {
			return false, errors.New("malformed Werkzeug scrypt parameters")
		}
		if n < 2 || n > maxScryptN || r < 1 || r > 32 || p < 1 || p > 16 {
			return false, errors.New("Werkzeug scrypt parameters out of bounds")
		}
		got, err = scrypt.Key([]byte(password), []byte(salt), n, r, p, len(want))
		if err != nil {
			return false, fmt.Errorf("scrypt: %w", err)
		}
	case "pbkdf2":
		name, rounds := "sha256", 1_000_000 // Werkzeug 3.1's defaults
		if len(args) >= 2 {
			name = args[1]
		}
		if len(args) == 3 {
			if rounds, err = strconv.Atoi(args[2]); err != nil {
				return false, errors.New("malformed Werkzeug pbkdf2 rounds")
			}
		} else if len(args) > 3 {
			return false, errors.New("malformed Werkzeug pbkdf2 parameters")
		}
		h, size := pbkdf2Hash(name)
		if h == nil || rounds < 1 || rounds > maxPBKDF2Rounds || len(want) != size {
			return false, errors.New("Werkzeug pbkdf2 hash or rounds not supported")
		}
		if got, err = pbkdf2.Key(h, password, []byte(salt), rounds, size); err != nil {
			return false, fmt.Errorf("pbkdf2: %w", err)
		}
	default:
		return false, errUnknownHash
	}
	return hmac.Equal(got, want), nil
}

func pbkdf2Hash(name string) (func() hash.Hash, int) {
	switch name {
	case "sha1":
		return sha1.New, sha1.Size
	case "sha256":
		return sha256.New, sha256.Size
	case "sha512":
		return sha512.New, sha512.Size
	}
	return nil, 0
}

// dummyHash is verified against when a user name is unknown, so that the answer takes as long
// as for a known user and does not tell which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("shelf: no such user")
	if err != nil {
		panic(err)
	}
	return h
})
