package content

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/content/internal/nxcrypto"
	"github.com/shelfhq/shelf/shared/keys"
)

// The fuzz targets feed crafted bytes to each parser: none may panic, read
// outside its input or return an entry outside it.

func fuzzSetup(f *testing.F) (*contenttest.Encoder, *keys.Set) {
	rng := rand.New(rand.NewPCG(99, 1))
	k := contenttest.NewKeys(rng, 0, 1, 2)
	ks, err := keys.Parse(k.Text())
	if err != nil {
		f.Fatal(err)
	}
	return &contenttest.Encoder{Keys: k, Rand: rng, Tickets: true}, ks
}

var fuzzApps = []contenttest.App{
	{ID: 0x0100000000010000, Type: contenttest.Application},
	{ID: 0x0100000000010800, BaseID: 0x0100000000010000, Type: contenttest.Patch, Version: 1 << 16, Generation: 2},
}

func checkEntries(t *testing.T, entries []entry, size int64) {
	for _, e := range entries {
		if e.data.off < 0 || e.data.size < 0 || e.data.off+e.data.size > size {
			t.Fatalf("entry %q at %#x+%#x outside the %#x-byte input", e.name, e.data.off, e.data.size, size)
		}
	}
}

func FuzzPFS0(f *testing.F) {
	enc, _ := fuzzSetup(f)
	f.Add(enc.NSP(fuzzApps...))
	f.Add([]byte("PFS0\xff\xff\xff\xff\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := readPFS0(region{r: bytes.NewReader(b), size: int64(len(b))})
		if err == nil {
			checkEntries(t, entries, int64(len(b)))
		}
	})
}

func FuzzHFS0(f *testing.F) {
	enc, _ := fuzzSetup(f)
	xci := enc.XCI(fuzzApps...)
	f.Add(xci[0xF000:])
	f.Add([]byte("HFS0\x01\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := readHFS0(region{r: bytes.NewReader(b), size: int64(len(b))})
		if err == nil {
			checkEntries(t, entries, int64(len(b)))
		}
	})
}

// FuzzNCAHeader mutates the decrypted header and section of a meta NCA and
// encrypts the header again, so that the fuzzer reaches the checks past the
// magic (a mutated ciphertext would only ever fail there).
func FuzzNCAHeader(f *testing.F) {
	enc, ks := fuzzSetup(f)
	hk := ks.HeaderKey()
	xts, err := nxcrypto.NewXTS(hk[:])
	if err != nil {
		f.Fatal(err)
	}
	for _, app := range fuzzApps {
		nca := enc.MetaNCA(app)
		xts.DecryptSectors(nca[:ncaHeaderSize], nca[:ncaHeaderSize], 0)
		f.Add(nca)
	}
	f.Fuzz(func(t *testing.T, plain []byte) {
		nca := bytes.Clone(plain)
		if len(nca) >= ncaHeaderSize {
			xts.EncryptSectors(nca[:ncaHeaderSize], nca[:ncaHeaderSize], 0)
		}
		m, err := readMetaNCA(region{r: bytes.NewReader(nca), size: int64(len(nca))}, ks, xts)
		if err == nil && m.titleID == 0 {
			t.Fatal("a cnmt with title id zero was accepted")
		}
	})
}

func FuzzCnmt(f *testing.F) {
	for _, app := range fuzzApps {
		f.Add(contenttest.Cnmt(app))
	}
	f.Add(make([]byte, cnmtHeaderSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseCnmt(b)
		if err == nil && m.kind.recorded() && m.baseID == 0 && m.kind == MetaApplication {
			t.Fatal("an application without a base id")
		}
	})
}

// FuzzIdentify runs whole containers through Identify.
func FuzzIdentify(f *testing.F) {
	enc, ks := fuzzSetup(f)
	f.Add(enc.NSP(fuzzApps...))
	f.Add(enc.XCZ(fuzzApps[1]))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Identify(bytes.NewReader(b), int64(len(b)), ks)
		if err == nil && res.Method == MethodCnmt && len(res.Apps) == 0 {
			t.Fatal("cnmt method with no apps")
		}
	})
}
