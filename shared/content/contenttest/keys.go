// Package contenttest writes NSP, NSZ, XCI and XCZ files whose meta NCAs are
// encrypted with randomly generated test keys, for the tests and benchmarks
// of content identification. Nothing here is a real key or real game data.
package contenttest

import (
	"crypto/aes"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/shelfhq/shelf/shared/keys"
)

// Keys is a random keys file and the raw keys in it.
type Keys struct {
	HeaderKey     [32]byte
	KEKGenSource  [16]byte
	KAEKAppSource [16]byte
	KeyGenSource  [16]byte
	// MasterKeys holds the master key of each generation the file has.
	MasterKeys map[int][16]byte
	// extra are keys of names shelf does not use, as a real file has.
	extra map[string][]byte
}

// NewKeys makes random keys with master keys of the given generations.
func NewKeys(rng *rand.Rand, generations ...int) *Keys {
	k := &Keys{MasterKeys: map[int][16]byte{}, extra: map[string][]byte{}}
	fill(rng, k.HeaderKey[:])
	fill(rng, k.KEKGenSource[:])
	fill(rng, k.KAEKAppSource[:])
	fill(rng, k.KeyGenSource[:])
	for _, gen := range generations {
		var mk [16]byte
		fill(rng, mk[:])
		k.MasterKeys[gen] = mk
	}
	for _, name := range []string{"eticket_rsa_kek", "titlekek_00", "package2_key_00"} {
		b := make([]byte, 16)
		fill(rng, b)
		k.extra[name] = b
	}
	return k
}

// Text is the keys file, sorted by name like Lockpick's output.
func (k *Keys) Text() []byte { return k.TextWithout() }

// TextWithout is the keys file less the named keys.
func (k *Keys) TextWithout(names ...string) []byte {
	lines := map[string][]byte{
		keys.NameHeaderKey:     k.HeaderKey[:],
		keys.NameKEKGenSource:  k.KEKGenSource[:],
		keys.NameKAEKAppSource: k.KAEKAppSource[:],
		keys.NameKeyGenSource:  k.KeyGenSource[:],
	}
	for gen, mk := range k.MasterKeys {
		lines[keys.MasterKeyName(gen)] = mk[:]
	}
	for name, v := range k.extra {
		lines[name] = v
	}
	var out strings.Builder
	for _, name := range slices.Sorted(maps.Keys(lines)) {
		if !slices.Contains(names, name) {
			fmt.Fprintf(&out, "%s = %s\n", name, hex.EncodeToString(lines[name]))
		}
	}
	return []byte(out.String())
}

// KeyAreaKey derives the application key-area key of generation gen the
// way the console does.
func (k *Keys) KeyAreaKey(gen int) [16]byte {
	mk, ok := k.MasterKeys[gen]
	if !ok {
		// A file may need a generation the keys lack: encrypt it under an
		// unknown master key.
		mk = [16]byte{byte(gen), 0xde, 0xad}
	}
	return keys.DeriveKeyAreaKey(mk, k.KEKGenSource, k.KAEKAppSource, k.KeyGenSource)
}

func fill(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// encryptBlock is one AES-128-ECB block encryption.
func encryptBlock(key [16]byte, block []byte) []byte {
	c, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	out := make([]byte, 16)
	c.Encrypt(out, block)
	return out
}
