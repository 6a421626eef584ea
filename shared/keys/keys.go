// Package keys reads a console's prod.keys file (lines "name = HEX") and
// derives from it the keys that content identification needs: the NCA header
// key and the key-area keys of each master key generation.
//
// Key values are secrets: no error, log line or status produced here ever
// contains one. Errors name the key and the line, never the value.
package keys

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxGenerations is how many master key generations a keys file can hold
// (master_key_00 … master_key_1f).
const MaxGenerations = 0x20

// MaxFileSize bounds a keys file; a real prod.keys is a few KB.
const MaxFileSize = 256 << 10

// Names of the keys identification needs.
const (
	NameHeaderKey      = "header_key"
	NameKAEKAppSource  = "key_area_key_application_source"
	NameKAEKOceanSrc   = "key_area_key_ocean_source"
	NameKAEKSystemSrc  = "key_area_key_system_source"
	NameKEKGenSource   = "aes_kek_generation_source"
	NameKeyGenSource   = "aes_key_generation_source"
	masterKeyPrefix    = "master_key_"
	keyAreaPrefix      = "key_area_key_"
	headerKeySize      = 32
	keySize            = 16
	keyAreaIndexCount  = 3
	maxLineCount       = 4096
	maxNameLength      = 128
	maxValueHexLength  = 2048
	corruptPrefixLabel = "corrupt keys file"
)

// Required lists the keys a keys file must hold to be valid, besides at
// least one master key.
var Required = []string{NameHeaderKey, NameKAEKAppSource, NameKEKGenSource, NameKeyGenSource}

var (
	// ErrCorrupt means the file is not a keys file: a line that is not
	// "name = HEX", a key of the wrong length, or a file too large.
	ErrCorrupt = errors.New(corruptPrefixLabel)
	// ErrIncomplete means the file parses but lacks a key identification
	// needs (see Required); the message names the missing keys.
	ErrIncomplete = errors.New("keys file incomplete")
)

// MissingKeyError says that a key needed for a file is not in the keys file.
// Its message names the key, e.g. "needs master_key_0b".
type MissingKeyError struct {
	Name string
}

func (e *MissingKeyError) Error() string { return "needs " + e.Name }

// MasterKeyName is the keys-file name of master key generation gen, e.g.
// "master_key_0b".
func MasterKeyName(gen int) string { return fmt.Sprintf("%s%02x", masterKeyPrefix, gen) }

// KeyAreaIndex names which key-area key encrypts an NCA's key area (the
// NCA header's byte 0x207).
type KeyAreaIndex int

// The three key-area keys of a generation.
const (
	KeyAreaApplication KeyAreaIndex = 0
	KeyAreaOcean       KeyAreaIndex = 1
	KeyAreaSystem      KeyAreaIndex = 2
)

var keyAreaNames = [keyAreaIndexCount]string{"application", "ocean", "system"}

// Set is a parsed keys file: the header key and the key-area keys of every
// generation the file allows to derive.
type Set struct {
	headerKey [headerKeySize]byte
	// keyArea[i][gen] is the key-area key of index i for generation gen,
	// valid where hasKeyArea says so.
	keyArea    [keyAreaIndexCount][MaxGenerations][keySize]byte
	hasKeyArea [keyAreaIndexCount][MaxGenerations]bool
	masterKeys []int
	// names are the names (never the values) of the keys in the file.
	names map[string]bool
}

// Has reports whether the file holds the key name (e.g. "master_key_0b").
func (s *Set) Has(name string) bool { return s.names[name] }

// HeaderKey is the AES-128-XTS key pair (data key then tweak key) of NCA
// headers.
func (s *Set) HeaderKey() [headerKeySize]byte { return s.headerKey }

// MasterKeys lists the master key generations present, ascending.
func (s *Set) MasterKeys() []int { return slices.Clone(s.masterKeys) }

// KeyAreaKey returns the key that decrypts an NCA's key area for index and
// master key generation gen. A generation the file cannot derive gives a
// *MissingKeyError naming its master key.
func (s *Set) KeyAreaKey(index KeyAreaIndex, gen int) ([keySize]byte, error) {
	if index < 0 || int(index) >= keyAreaIndexCount {
		return [keySize]byte{}, fmt.Errorf("key area index %d is not application, ocean or system", index)
	}
	if gen < 0 || gen >= MaxGenerations {
		return [keySize]byte{}, &MissingKeyError{Name: MasterKeyName(gen)}
	}
	if !s.hasKeyArea[index][gen] {
		if index != KeyAreaApplication && slices.Contains(s.masterKeys, gen) {
			return [keySize]byte{}, &MissingKeyError{Name: keyAreaPrefix + keyAreaNames[index] + "_source"}
		}
		return [keySize]byte{}, &MissingKeyError{Name: MasterKeyName(gen)}
	}
	return s.keyArea[index][gen], nil
}

// Parse reads the text of a prod.keys file. Lines are "name = HEX"; blank
// lines and lines starting with ';' or '#' are ignored; names are not case
// sensitive. Unknown names are accepted (a prod.keys holds many keys shelf
// does not use) but must still be hex. A file that is not of this form gives
// ErrCorrupt, one without the keys in Required (or without any master key)
// ErrIncomplete.
func Parse(text []byte) (*Set, error) {
	if len(text) > MaxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, MaxFileSize)
	}
	values, err := parseLines(text)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, name := range Required {
		if _, ok := values[name]; !ok {
			missing = append(missing, name)
		}
	}
	s := &Set{names: make(map[string]bool, len(values))}
	for name := range values {
		s.names[name] = true
	}
	for gen := range MaxGenerations {
		if _, ok := values[MasterKeyName(gen)]; ok {
			s.masterKeys = append(s.masterKeys, gen)
		}
	}
	if len(s.masterKeys) == 0 {
		missing = append(missing, "master_key_00 (or any master_key_XX)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: lacks %s", ErrIncomplete, strings.Join(missing, ", "))
	}
	copy(s.headerKey[:], values[NameHeaderKey])
	sources := [keyAreaIndexCount][]byte{values[NameKAEKAppSource], values[NameKAEKOceanSrc], values[NameKAEKSystemSrc]}
	for _, gen := range s.masterKeys {
		for i, src := range sources {
			if src == nil {
				continue
			}
			s.keyArea[i][gen] = DeriveKeyAreaKey(key16(values[MasterKeyName(gen)]), key16(values[NameKEKGenSource]),
				key16(src), key16(values[NameKeyGenSource]))
			s.hasKeyArea[i][gen] = true
		}
	}
	// A file may carry the derived key-area keys themselves (as Lockpick
	// writes them); they serve a generation whose master key is absent.
	for gen := range MaxGenerations {
		for i, name := range keyAreaNames {
			if v, ok := values[fmt.Sprintf("%s%s_%02x", keyAreaPrefix, name, gen)]; ok && !s.hasKeyArea[i][gen] {
				s.keyArea[i][gen] = key16(v)
				s.hasKeyArea[i][gen] = true
			}
		}
	}
	return s, nil
}

// parseLines returns each key's bytes by lower-case name, checking the
// lengths of the keys identification uses.
func parseLines(text []byte) (map[string][]byte, error) {
	values := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), MaxFileSize+1)
	line := 0
	for sc.Scan() {
		line++
		if line > maxLineCount {
			return nil, fmt.Errorf("%w: more than %d lines", ErrCorrupt, maxLineCount)
		}
		raw := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if raw == "" || raw[0] == ';' || raw[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(raw, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || !validName(name) {
			return nil, fmt.Errorf("%w: line %d is not \"name = HEX\"", ErrCorrupt, line)
		}
		if len(value) == 0 || len(value) > maxValueHexLength || len(value)%2 != 0 {
			return nil, fmt.Errorf("%w: line %d (%s): value is not an even number of hex digits", ErrCorrupt, line, name)
		}
		b, err := hex.DecodeString(value)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d (%s): value is not hex", ErrCorrupt, line, name)
		}
		if want := keyLength(name); want > 0 && len(b) != want {
			return nil, fmt.Errorf("%w: line %d: %s has %d bytes, want %d", ErrCorrupt, line, name, len(b), want)
		}
		values[name] = b
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return values, nil
}

// keyLength is the size in bytes of a key shelf uses, 0 for other names.
func keyLength(name string) int {
	switch {
	case name == NameHeaderKey:
		return headerKeySize
	case name == NameKAEKAppSource, name == NameKAEKOceanSrc, name == NameKAEKSystemSrc,
		name == NameKEKGenSource, name == NameKeyGenSource,
		strings.HasPrefix(name, masterKeyPrefix), strings.HasPrefix(name, keyAreaPrefix):
		return keySize
	}
	return 0
}

func validName(name string) bool {
	if name == "" || len(name) > maxNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func key16(b []byte) [keySize]byte {
	var k [keySize]byte
	copy(k[:], b)
	return k
}

// DeriveKeyAreaKey is the key-area key derivation of hactool and the
// console's FS (switchbrew's "generate_kek"), three AES-128-ECB decryptions:
//
//	kek     = D(masterKey, kekGenSource)      aes_kek_generation_source
//	srcKek  = D(kek, keyAreaSource)           key_area_key_<index>_source
//	result  = D(srcKek, keyGenSource)         aes_key_generation_source
func DeriveKeyAreaKey(masterKey, kekGenSource, keyAreaSource, keyGenSource [keySize]byte) [keySize]byte {
	kek := decryptBlock(masterKey, kekGenSource)
	srcKek := decryptBlock(kek, keyAreaSource)
	return decryptBlock(srcKek, keyGenSource)
}

// decryptBlock is one AES-128-ECB block decryption.
func decryptBlock(key, block [keySize]byte) [keySize]byte {
	c, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // unreachable: the key is 16 bytes
	}
	var out [keySize]byte
	c.Decrypt(out[:], block[:])
	return out
}
