package nxcrypto

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ieeeTweak is IEEE 1619's tweak: the data unit number little-endian.
func ieeeTweak(n uint64) [16]byte {
	var t [16]byte
	binary.LittleEndian.PutUint64(t[:], n)
	return t
}

// The XTS core is IEEE 1619's: its standard vectors (XTS-AES-128, vectors 1
// to 3) pass when the tweak is the little-endian data unit number.
func TestXTSCoreMatchesIEEE1619Vectors(t *testing.T) {
	t.Parallel()
	for _, v := range []struct {
		name, key, pt, ct string
		unit              uint64
	}{
		{"vector 1", strings.Repeat("00", 32), strings.Repeat("00", 32),
			"917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e", 0},
		{"vector 2", strings.Repeat("11", 16) + strings.Repeat("22", 16), strings.Repeat("44", 32),
			"c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0", 0x3333333333},
		{"vector 3", "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0" + strings.Repeat("22", 16), strings.Repeat("44", 32),
			"af85336b597afc1a900b2eb21ec949d292df4c047e0b21532186a5971a227a89", 0x3333333333},
	} {
		x, err := NewXTS(unhex(t, v.key))
		if err != nil {
			t.Fatal(err)
		}
		pt, want := unhex(t, v.pt), unhex(t, v.ct)
		got := make([]byte, len(pt))
		x.Encrypt(got, pt, ieeeTweak(v.unit))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: encrypt = %x, want %x", v.name, got, want)
		}
		x.Decrypt(got, got, ieeeTweak(v.unit))
		if !bytes.Equal(got, pt) {
			t.Errorf("%s: decrypt did not give the plaintext back", v.name)
		}
	}
}

// Nintendo's tweak is the sector number big-endian: the IEEE tweak with its
// bytes reversed. Encrypting sector n with it equals the IEEE core under
// the reversed little-endian tweak, derived here by hand.
func TestNintendoTweakIsTheReversedIEEETweak(t *testing.T) {
	t.Parallel()
	for _, n := range []uint64{0, 1, 0xff, 0x3333333333, 0x0102030405060708} {
		le := ieeeTweak(n)
		reversed := le
		slices.Reverse(reversed[:])
		if NintendoTweak(n) != reversed {
			t.Errorf("NintendoTweak(%#x) = %x, want %x", n, NintendoTweak(n), reversed)
		}
	}
	key := unhex(t, "27182818284590452353602874713526"+"31415926535897932384626433832795")
	x, err := NewXTS(key)
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]byte, 3*SectorSize)
	for i := range pt {
		pt[i] = byte(i)
	}
	got := make([]byte, len(pt))
	x.EncryptSectors(got, pt, 7)
	for s := range 3 {
		le := ieeeTweak(uint64(7 + s))
		slices.Reverse(le[:])
		want := make([]byte, SectorSize)
		x.Encrypt(want, pt[s*SectorSize:(s+1)*SectorSize], le)
		if !bytes.Equal(got[s*SectorSize:(s+1)*SectorSize], want) {
			t.Errorf("sector %d differs from the IEEE core under the reversed tweak", 7+s)
		}
	}
}

// Known answers for the Nintendo variant, computed outside this code with
// OpenSSL's AES-128-XTS (through Python's cryptography package) with the IV
// set to the sector number as 16 big-endian bytes.
func TestNintendoXTSKnownAnswers(t *testing.T) {
	t.Parallel()
	sector := make([]byte, SectorSize)
	for i := range sector {
		sector[i] = byte(i)
	}
	for _, v := range []struct {
		name, key   string
		pt          []byte
		sector      uint64
		first, last string // the first and last 32 bytes of the ciphertext
	}{
		{"IEEE vector 2 keys at sector 0x3333333333", strings.Repeat("11", 16) + strings.Repeat("22", 16),
			bytes.Repeat([]byte{0x44}, 32), 0x3333333333,
			"44bec82ffb76aefdfbc96dfe61e192ccfa2213677c8f4fd6e4f18f7ebb69382f", ""},
		{"512-byte sector 0xff", "2718281828459045235360287471352631415926535897932384626433832795", sector, 0xff,
			"ffc89ee73d662cf694acf24cc234367cb4b1de5b979726f338887277726bc06c",
			"fd627bcc72fc26447187f6a03eab610466b6be3efec7a9620b0cbd3ee4166601"},
		{"512-byte sector 0x0102030405060708", "2718281828459045235360287471352631415926535897932384626433832795", sector, 0x0102030405060708,
			"36ade26f865fbf1e69a19f925ae087e0b94f46e2d067a4de030860c2ecbe6ec4",
			"3b9a12d6f619587914029ba026da63c130d9070bde19519ee290cef3b2474ba8"},
	} {
		x, err := NewXTS(unhex(t, v.key))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(v.pt))
		x.Encrypt(got, v.pt, NintendoTweak(v.sector))
		if hex.EncodeToString(got[:32]) != v.first {
			t.Errorf("%s: first 32 bytes %x, want %s", v.name, got[:32], v.first)
		}
		if v.last != "" && hex.EncodeToString(got[len(got)-32:]) != v.last {
			t.Errorf("%s: last 32 bytes %x, want %s", v.name, got[len(got)-32:], v.last)
		}
		if len(v.pt) == SectorSize {
			dec := make([]byte, SectorSize)
			x.DecryptSectors(dec, got, v.sector)
			if !bytes.Equal(dec, v.pt) {
				t.Errorf("%s: DecryptSectors did not give the plaintext back", v.name)
			}
		}
	}
}

func TestSectionCounterIsUpperIVThenBlockOffsetBigEndian(t *testing.T) {
	t.Parallel()
	got := SectionCounter(0x0000000200000001, 0xC00+0x200)
	want := unhex(t, "0000000200000001"+"00000000000000e0")
	if !bytes.Equal(got[:], want) {
		t.Errorf("SectionCounter = %x, want %x", got, want)
	}
}

func TestCTRAtAnOffsetContinuesTheKeyStream(t *testing.T) {
	t.Parallel()
	key := [16]byte{1, 2, 3}
	data := make([]byte, 0x400)
	whole := make([]byte, len(data))
	if err := CTR(key, 42, 0xC00, whole, data); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 0x100)
	if err := CTR(key, 42, 0xC00+0x200, part, data[:0x100]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, whole[0x200:0x300]) {
		t.Error("the key stream at offset 0x200 differs from the one read from the start")
	}
	if err := CTR(key, 42, 3, part, part); err == nil {
		t.Error("an offset that is not a multiple of 16 was accepted")
	}
}
