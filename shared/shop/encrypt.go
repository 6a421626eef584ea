package shop

import (
	"crypto/aes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// The encrypted index, as Tinfoil reads it (tinfoil.io's "encrypted index" format; written the
// same way by Ownfoil app/clients/tinfoil.py and read by luketanti/CyberFoil shopInstall.cpp):
//
//	0x000  "TINFOIL"
//	0x007  flags: 0xF0 (encrypted) | 0x0D (zstd)
//	0x008  the AES-128 key, encrypted with RSA-OAEP-SHA256 (empty label) under the public key
//	0x108  the compressed index's size, u64 little-endian
//	0x110  the zstd-compressed JSON, zero-padded to whole AES blocks, encrypted with AES-ECB
const (
	encryptedMagic    = "TINFOIL"
	flagEncrypted     = 0xF0
	flagZstd          = 0x0D
	EncryptedFlags    = flagEncrypted | flagZstd
	wrappedKeySize    = 0x100
	EncryptedHeader   = 0x110
	encryptionKeySize = 16
)

// EncryptIndex returns the JSON index in Tinfoil's encrypted format under key (RSA-2048).
func EncryptIndex(indexJSON []byte, key *rsa.PublicKey) ([]byte, error) {
	if key.Size() != wrappedKeySize {
		return nil, fmt.Errorf("encrypting the shop index: the key has %d bits, the format needs 2048", key.N.BitLen())
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		return nil, fmt.Errorf("encrypting the shop index: %w", err)
	}
	compressed := enc.EncodeAll(indexJSON, nil)
	enc.Close()

	aesKey := make([]byte, encryptionKeySize)
	if _, err := rand.Read(aesKey); err != nil {
		return nil, fmt.Errorf("encrypting the shop index: %w", err)
	}
	wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, key, aesKey, nil)
	if err != nil {
		return nil, fmt.Errorf("encrypting the shop index: %w", err)
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return nil, fmt.Errorf("encrypting the shop index: %w", err)
	}
	// Ownfoil pads with 1 to 16 zero bytes (a whole block when the size is already a
	// multiple); Tinfoil reads the size field and ignores the padding.
	padded := make([]byte, len(compressed)+aes.BlockSize-len(compressed)%aes.BlockSize)
	copy(padded, compressed)

	out := make([]byte, EncryptedHeader, EncryptedHeader+len(padded))
	copy(out, encryptedMagic)
	out[7] = EncryptedFlags
	copy(out[8:], wrapped)
	binary.LittleEndian.PutUint64(out[0x108:], uint64(len(compressed)))
	out = out[:EncryptedHeader+len(padded)]
	for i := 0; i < len(padded); i += aes.BlockSize { // ECB: each block on its own, as the format says
		block.Encrypt(out[EncryptedHeader+i:], padded[i:])
	}
	return out, nil
}
