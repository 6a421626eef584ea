package contenttest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"

	"github.com/shelfhq/shelf/shared/content/internal/nxcrypto"
)

// Content meta types of App.Type.
const (
	Application byte = 0x80
	Patch       byte = 0x81
	AddOn       byte = 0x82
	Delta       byte = 0x83
)

// App is one app to put in a file.
type App struct {
	ID      uint64
	BaseID  uint64 // the base game's id, for a patch or an add-on
	Type    byte   // Application, Patch, AddOn (or another meta type)
	Version uint32
	// Generation is the master key generation the meta NCA is encrypted
	// for.
	Generation int
	// NCA2 writes the header in the pre-1.0 NCA2 layout.
	NCA2 bool
}

// Encoder writes containers with the keys it holds; its random choices
// (content ids, content keys, counters) come from Rand.
type Encoder struct {
	Keys *Keys
	Rand *rand.Rand
	// Tickets adds a <rights id>.tik (and .cert) for each app of an NSP,
	// as a title-key encrypted download has.
	Tickets bool
	// OmitMeta leaves the meta NCAs out (a file that only tickets or the
	// name can identify).
	OmitMeta bool
}

// file is one entry of a container.
type file struct {
	name string
	data []byte
}

// NSP writes a PFS0 holding each app's meta NCA and a program NCA.
func (e *Encoder) NSP(apps ...App) []byte { return pfs0(e.contents(apps, ".nca")) }

// NSZ is an NSP whose program NCAs are compressed (.ncz); the meta NCAs
// stay .nca, as nsz leaves them.
func (e *Encoder) NSZ(apps ...App) []byte { return pfs0(e.contents(apps, ".ncz")) }

// XCI writes a gamecard image whose secure partition holds the apps.
func (e *Encoder) XCI(apps ...App) []byte { return e.gamecard(e.contents(apps, ".nca")) }

// XCZ is an XCI whose program NCAs are compressed.
func (e *Encoder) XCZ(apps ...App) []byte { return e.gamecard(e.contents(apps, ".ncz")) }

func (e *Encoder) contents(apps []App, programExt string) []file {
	var files []file
	for _, app := range apps {
		program := make([]byte, 0x400)
		fill(e.Rand, program)
		files = append(files, file{name: e.contentID() + programExt, data: program})
		if !e.OmitMeta {
			files = append(files, file{name: e.contentID() + ".cnmt.nca", data: e.MetaNCA(app)})
		}
		if e.Tickets {
			rights := fmt.Sprintf("%016x%015x%d", app.ID, 0, app.Generation%10)
			files = append(files, file{name: rights + ".tik", data: make([]byte, 0x2C0)},
				file{name: rights + ".cert", data: make([]byte, 0x700)})
		}
	}
	return files
}

func (e *Encoder) contentID() string {
	b := make([]byte, 16)
	fill(e.Rand, b)
	return hex.EncodeToString(b)
}

// Cnmt is the packaged content meta of app, with one content record.
func Cnmt(app App) []byte {
	const extSize = 0x10
	b := make([]byte, 0x20+extSize+0x38+0x20)
	binary.LittleEndian.PutUint64(b[0:], app.ID)
	binary.LittleEndian.PutUint32(b[8:], app.Version)
	b[0x0C] = app.Type
	binary.LittleEndian.PutUint16(b[0x0E:], extSize)
	binary.LittleEndian.PutUint16(b[0x10:], 1)
	switch app.Type {
	case Application:
		binary.LittleEndian.PutUint64(b[0x20:], app.ID|0x800) // its patch id
	default:
		binary.LittleEndian.PutUint64(b[0x20:], app.BaseID)
	}
	return b
}

// MetaNCA is the encrypted meta NCA of app: the header under header_key
// (XTS, Nintendo tweak), section 0 (a PFS0 holding the .cnmt) under a random
// content key (AES-CTR), that key in the key area under the key-area key of
// app.Generation.
func (e *Encoder) MetaNCA(app App) []byte {
	const headerSize, sectionStart = 0xC00, 0xC00
	inner := pfs0([]file{{name: fmt.Sprintf("%s_%016x.cnmt", metaName(app.Type), app.ID), data: Cnmt(app)}})
	// Section 0: a hash table (one SHA-256 of the PFS0), then the PFS0.
	const pfsOffset = 0x200
	section := make([]byte, pad(pfsOffset+len(inner), 0x200))
	hash := sha256.Sum256(inner)
	copy(section, hash[:])
	copy(section[pfsOffset:], inner)

	h := make([]byte, headerSize)
	fill(e.Rand, h[:0x200]) // the signatures
	copy(h[0x200:], "NCA3")
	if app.NCA2 {
		copy(h[0x200:], "NCA2")
	}
	h[0x205] = 1 // meta
	switch {
	case app.Generation == 0:
	case app.Generation == 1:
		h[0x206] = 2
	default:
		h[0x206], h[0x220] = 2, byte(app.Generation+1)
	}
	binary.LittleEndian.PutUint64(h[0x208:], uint64(headerSize+len(section)))
	binary.LittleEndian.PutUint64(h[0x210:], app.ID)
	binary.LittleEndian.PutUint32(h[0x240:], sectionStart/0x200)
	binary.LittleEndian.PutUint32(h[0x244:], uint32((sectionStart+len(section))/0x200))

	fs := h[0x400:0x600]
	binary.LittleEndian.PutUint16(fs[0:], 2)
	fs[2], fs[3], fs[4] = 1, 2, 3 // PFS0, hierarchical SHA-256, AES-CTR
	tableHash := sha256.Sum256(section[:0x20])
	copy(fs[0x08:], tableHash[:])
	binary.LittleEndian.PutUint32(fs[0x28:], 0x1000)
	binary.LittleEndian.PutUint32(fs[0x2C:], 2)
	binary.LittleEndian.PutUint64(fs[0x30:], 0)
	binary.LittleEndian.PutUint64(fs[0x38:], 0x20)
	binary.LittleEndian.PutUint64(fs[0x40:], pfsOffset)
	binary.LittleEndian.PutUint64(fs[0x48:], uint64(len(inner)))
	upper := e.Rand.Uint64()
	binary.LittleEndian.PutUint64(fs[0x140:], upper)
	fsHash := sha256.Sum256(fs)
	copy(h[0x280:], fsHash[:])

	var contentKey [16]byte
	fill(e.Rand, contentKey[:])
	kak := e.Keys.KeyAreaKey(app.Generation)
	for i := range 4 {
		k := make([]byte, 16)
		fill(e.Rand, k)
		if i == 2 {
			copy(k, contentKey[:])
		}
		copy(h[0x300+16*i:], encryptBlock(kak, k))
	}

	if err := nxcrypto.CTR(contentKey, upper, sectionStart, section, section); err != nil {
		panic(err)
	}
	x, err := nxcrypto.NewXTS(e.Keys.HeaderKey[:])
	if err != nil {
		panic(err)
	}
	if app.NCA2 {
		x.EncryptSectors(h[:0x400], h[:0x400], 0)
		for i := range 4 {
			s := h[0x400+0x200*i : 0x600+0x200*i]
			x.EncryptSectors(s, s, 0)
		}
	} else {
		x.EncryptSectors(h, h, 0)
	}
	return append(h, section...)
}

func metaName(t byte) string {
	switch t {
	case Application:
		return "Application"
	case Patch:
		return "Patch"
	case AddOn:
		return "AddOnContent"
	}
	return "SystemData"
}

// pfs0 writes a PFS0 (entries of 0x18 bytes).
func pfs0(files []file) []byte { return partition("PFS0", 0x18, files) }

// hfs0 writes an HFS0 (entries of 0x40 bytes with a hash of each file's
// first 0x200 bytes).
func hfs0(files []file) []byte { return partition("HFS0", 0x40, files) }

func partition(magic string, entrySize int, files []file) []byte {
	var names []byte
	nameOffs := make([]int, len(files))
	for i, f := range files {
		nameOffs[i] = len(names)
		names = append(names, f.name...)
		names = append(names, 0)
	}
	// Pad the string table so the data starts 0x20-aligned, as dump tools do.
	tableEnd := 0x10 + entrySize*len(files) + len(names)
	names = append(names, make([]byte, pad(tableEnd, 0x20)-tableEnd)...)
	out := make([]byte, 0x10+entrySize*len(files))
	copy(out, magic)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(files)))
	binary.LittleEndian.PutUint32(out[8:], uint32(len(names)))
	var off uint64
	for i, f := range files {
		e := out[0x10+entrySize*i:]
		binary.LittleEndian.PutUint64(e[0:], off)
		binary.LittleEndian.PutUint64(e[8:], uint64(len(f.data)))
		binary.LittleEndian.PutUint32(e[16:], uint32(nameOffs[i]))
		if entrySize == 0x40 {
			hashed := min(len(f.data), 0x200)
			binary.LittleEndian.PutUint32(e[20:], uint32(hashed))
			sum := sha256.Sum256(f.data[:hashed])
			copy(e[0x20:], sum[:])
		}
		off += uint64(len(f.data))
	}
	out = append(out, names...)
	for _, f := range files {
		out = append(out, f.data...)
	}
	return out
}

// gamecard writes an XCI: the card header, then at 0xF000 the root HFS0
// with empty update and normal partitions and the secure partition.
func (e *Encoder) gamecard(secure []file) []byte {
	const rootOffset = 0xF000
	root := hfs0([]file{
		{name: "update", data: hfs0(nil)},
		{name: "normal", data: hfs0(nil)},
		{name: "secure", data: hfs0(secure)},
	})
	img := make([]byte, rootOffset, rootOffset+len(root))
	fill(e.Rand, img[:0x100]) // the signature
	copy(img[0x100:], "HEAD")
	binary.LittleEndian.PutUint64(img[0x130:], rootOffset)
	binary.LittleEndian.PutUint64(img[0x138:], 0x200)
	return append(img, root...)
}

func pad(n, to int) int { return (n + to - 1) / to * to }
