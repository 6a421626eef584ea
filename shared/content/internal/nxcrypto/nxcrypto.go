// Package nxcrypto holds the two ciphers of Nintendo's content archives:
// AES-128-XTS with Nintendo's big-endian sector tweak (NCA headers) and
// AES-128-CTR with the section counter (NCA sections). The content readers
// decrypt with it and the test encoder encrypts with it.
package nxcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
)

// SectorSize is the XTS data unit of NCA headers.
const SectorSize = 0x200

const blockSize = aes.BlockSize

// XTS is AES-128-XTS over raw 16-byte tweaks. IEEE 1619 encodes a data unit
// number as the tweak in little-endian order; Nintendo encodes the sector
// number big-endian (NintendoTweak). golang.org/x/crypto/xts hard-codes the
// little-endian form, which is why shelf has its own.
type XTS struct {
	data, tweak cipher.Block
}

// NewXTS takes the 32-byte key: the data key, then the tweak key.
func NewXTS(key []byte) (*XTS, error) {
	if len(key) != 2*16 {
		return nil, errors.New("xts: key must be 32 bytes")
	}
	data, err := aes.NewCipher(key[:16])
	if err != nil {
		return nil, err
	}
	tweak, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, err
	}
	return &XTS{data: data, tweak: tweak}, nil
}

// NintendoTweak is the tweak of sector n: n as a 128-bit big-endian number.
func NintendoTweak(sector uint64) [16]byte {
	var t [16]byte
	binary.BigEndian.PutUint64(t[8:], sector)
	return t
}

// DecryptSectors decrypts src into dst (which may be the same slice), whose
// length is a multiple of SectorSize, the first sector being firstSector.
func (x *XTS) DecryptSectors(dst, src []byte, firstSector uint64) {
	x.sectors(dst, src, firstSector, x.data.Decrypt)
}

// EncryptSectors is the inverse of DecryptSectors.
func (x *XTS) EncryptSectors(dst, src []byte, firstSector uint64) {
	x.sectors(dst, src, firstSector, x.data.Encrypt)
}

func (x *XTS) sectors(dst, src []byte, sector uint64, op func(dst, src []byte)) {
	if len(src)%SectorSize != 0 || len(dst) < len(src) {
		panic("xts: length not a multiple of the sector size")
	}
	for off := 0; off < len(src); off += SectorSize {
		x.unit(dst[off:off+SectorSize], src[off:off+SectorSize], NintendoTweak(sector), op)
		sector++
	}
}

// Decrypt decrypts one data unit (a multiple of 16 bytes) under a raw tweak.
func (x *XTS) Decrypt(dst, src []byte, tweak [16]byte) { x.unit(dst, src, tweak, x.data.Decrypt) }

// Encrypt encrypts one data unit (a multiple of 16 bytes) under a raw tweak.
func (x *XTS) Encrypt(dst, src []byte, tweak [16]byte) { x.unit(dst, src, tweak, x.data.Encrypt) }

// unit runs op (the data key's Encrypt or Decrypt) over one data unit:
// T = E_tweakKey(tweak); each block is op(P xor T) xor T, with T multiplied
// by x in GF(2^128) (little-endian bit order) between blocks.
func (x *XTS) unit(dst, src []byte, tweak [16]byte, op func(dst, src []byte)) {
	if len(src)%blockSize != 0 || len(dst) < len(src) {
		panic("xts: length not a multiple of the block size")
	}
	var t, b [blockSize]byte
	x.tweak.Encrypt(t[:], tweak[:])
	for off := 0; off < len(src); off += blockSize {
		for i := range blockSize {
			b[i] = src[off+i] ^ t[i]
		}
		op(b[:], b[:])
		for i := range blockSize {
			dst[off+i] = b[i] ^ t[i]
		}
		mulX(&t)
	}
}

// mulX multiplies the tweak by x (the primitive element) in GF(2^128),
// reduction polynomial x^128 + x^7 + x^2 + x + 1, bytes little-endian.
func mulX(t *[blockSize]byte) {
	var carry byte
	for i := range blockSize {
		next := t[i] >> 7
		t[i] = t[i]<<1 | carry
		carry = next
	}
	if carry != 0 {
		t[0] ^= 0x87
	}
}

// SectionCounter is the AES-CTR initial counter block for the byte at
// offset (a multiple of 16) of an NCA: the high half is the section's
// counter (the fs header's little-endian u64 at 0x140, written big-endian),
// the low half the offset in 16-byte blocks, big-endian.
func SectionCounter(upper uint64, offset int64) [16]byte {
	var iv [16]byte
	binary.BigEndian.PutUint64(iv[:8], upper)
	binary.BigEndian.PutUint64(iv[8:], uint64(offset)/blockSize)
	return iv
}

// CTR XORs src with the AES-CTR key stream that starts at the NCA byte
// offset (a multiple of 16) and writes the result to dst; it both encrypts
// and decrypts.
func CTR(key [16]byte, upper uint64, offset int64, dst, src []byte) error {
	if offset%blockSize != 0 {
		return errors.New("ctr: offset not a multiple of 16")
	}
	c, err := aes.NewCipher(key[:])
	if err != nil {
		return err
	}
	iv := SectionCounter(upper, offset)
	cipher.NewCTR(c, iv[:]).XORKeyStream(dst, src)
	return nil
}
