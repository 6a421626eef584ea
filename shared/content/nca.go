package content

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/shelfhq/shelf/shared/content/internal/nxcrypto"
	"github.com/shelfhq/shelf/shared/keys"
)

// The NCA header (switchbrew "NCA"): 0xC00 bytes encrypted with AES-128-XTS
// under header_key, 0x200-byte sectors, Nintendo's big-endian tweak. The
// first 0x400 bytes are the header proper, then four 0x200-byte fs headers.
// NCA3 encrypts all six sectors as sectors 0-5; NCA2 encrypts each fs header
// as if it were sector 0.
const (
	ncaHeaderSize     = 0xC00
	ncaMainHeaderSize = 0x400
	fsHeaderSize      = 0x200
	sectionCount      = 4
	mediaUnit         = 0x200

	offMagic         = 0x200
	offContentType   = 0x205
	offKeyGenOld     = 0x206
	offKeyAreaIndex  = 0x207
	offKeyGen        = 0x220
	offRightsID      = 0x230
	offSectionTable  = 0x240
	offFsHeaderHash  = 0x280
	offKeyArea       = 0x300
	keyAreaCTRKeyIdx = 2

	// fs header fields
	fsOffPartitionType = 0x2
	fsOffHashType      = 0x3
	fsOffEncryption    = 0x4
	fsOffPFS0Offset    = 0x40
	fsOffPFS0Size      = 0x48
	fsOffUpperCounter  = 0x140

	contentTypeMeta         = 1
	partitionTypePFS0       = 1
	hashTypeHierarchicalSha = 2
	encryptionNone          = 1
	encryptionCTR           = 3

	// maxCnmtSize bounds the .cnmt read: it lists a title's contents, 0x38
	// bytes each, so a few KB in practice.
	maxCnmtSize = 1 << 20
)

// ncaHeader is the decrypted header of one NCA.
type ncaHeader struct {
	raw [ncaHeaderSize]byte
}

func (h *ncaHeader) contentType() byte { return h.raw[offContentType] }

// masterKeyGeneration is max(the two key generation fields) - 1, where 0
// and 1 both mean master key 0.
func (h *ncaHeader) masterKeyGeneration() int {
	gen := max(int(h.raw[offKeyGenOld]), int(h.raw[offKeyGen]))
	if gen > 0 {
		gen--
	}
	return gen
}

func (h *ncaHeader) hasRightsID() bool {
	return !bytes.Equal(h.raw[offRightsID:offRightsID+16], make([]byte, 16))
}

func (h *ncaHeader) fsHeader(i int) []byte {
	off := ncaMainHeaderSize + i*fsHeaderSize
	return h.raw[off : off+fsHeaderSize]
}

// section is where section i lies in the NCA, in bytes.
func (h *ncaHeader) section(i int) (start, end int64) {
	e := h.raw[offSectionTable+i*0x10:]
	return int64(binary.LittleEndian.Uint32(e[0:])) * mediaUnit, int64(binary.LittleEndian.Uint32(e[4:])) * mediaUnit
}

// readNCAHeader decrypts and checks the header of the NCA that fills g.
func readNCAHeader(g region, headerKey *nxcrypto.XTS) (*ncaHeader, error) {
	h := &ncaHeader{}
	if err := g.read(h.raw[:], 0, "NCA header"); err != nil {
		return nil, err
	}
	headerKey.DecryptSectors(h.raw[:ncaMainHeaderSize], h.raw[:ncaMainHeaderSize], 0)
	switch string(h.raw[offMagic : offMagic+4]) {
	case "NCA3":
		headerKey.DecryptSectors(h.raw[ncaMainHeaderSize:], h.raw[ncaMainHeaderSize:], ncaMainHeaderSize/nxcrypto.SectorSize)
	case "NCA2":
		for i := range sectionCount {
			fs := h.fsHeader(i)
			headerKey.DecryptSectors(fs, fs, 0)
		}
	default:
		return nil, fmt.Errorf("%w: NCA header magic is not NCA3 or NCA2 (a wrong header_key, or not an NCA)", ErrCorrupt)
	}
	return h, nil
}

// readMetaNCA reads the content meta of the meta NCA that fills g.
func readMetaNCA(g region, ks *keys.Set, headerKey *nxcrypto.XTS) (*cnmt, error) {
	h, err := readNCAHeader(g, headerKey)
	if err != nil {
		return nil, err
	}
	if h.contentType() != contentTypeMeta {
		return nil, fmt.Errorf("%w: NCA content type %d is not meta", ErrCorrupt, h.contentType())
	}
	if h.hasRightsID() {
		return nil, fmt.Errorf("%w: meta NCA is title-key encrypted (rights id set)", ErrCorrupt)
	}
	fs := h.fsHeader(0)
	if sum := sha256.Sum256(fs); !bytes.Equal(sum[:], h.raw[offFsHeaderHash:offFsHeaderHash+32]) {
		return nil, fmt.Errorf("%w: meta NCA section header does not match its hash", ErrCorrupt)
	}
	if fs[fsOffPartitionType] != partitionTypePFS0 || fs[fsOffHashType] != hashTypeHierarchicalSha {
		return nil, fmt.Errorf("%w: meta NCA section 0 is not a PFS0 (partition type %d, hash type %d)",
			ErrCorrupt, fs[fsOffPartitionType], fs[fsOffHashType])
	}
	start, end := h.section(0)
	if end <= start {
		return nil, fmt.Errorf("%w: meta NCA section 0 is empty", ErrCorrupt)
	}
	sec, err := g.sub(start, end-start, "meta NCA section 0")
	if err != nil {
		return nil, err
	}
	switch fs[fsOffEncryption] {
	case encryptionNone:
	case encryptionCTR:
		key, err := sectionKey(h, ks)
		if err != nil {
			return nil, err
		}
		dec := &ctrReader{nca: g, key: key, upper: binary.LittleEndian.Uint64(fs[fsOffUpperCounter:])}
		sec = region{r: dec, off: start, size: end - start}
	default:
		return nil, fmt.Errorf("%w: meta NCA section 0 has encryption type %d (want none or AES-CTR)", ErrCorrupt, fs[fsOffEncryption])
	}
	pfsOff := binary.LittleEndian.Uint64(fs[fsOffPFS0Offset:])
	pfsSize := binary.LittleEndian.Uint64(fs[fsOffPFS0Size:])
	if pfsOff > uint64(sec.size) || pfsSize > uint64(sec.size) {
		return nil, fmt.Errorf("%w: meta NCA PFS0 at %#x+%#x outside its section", ErrTruncated, pfsOff, pfsSize)
	}
	pfs, err := sec.sub(int64(pfsOff), int64(pfsSize), "meta NCA PFS0")
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	if err := pfs.read(magic[:], 0, "meta NCA PFS0"); err != nil {
		return nil, err
	}
	if !bytes.Equal(magic[:], magicPFS0) {
		return nil, fmt.Errorf("%w: meta NCA section does not decrypt to a PFS0 (a wrong %s or key source?)",
			ErrCorrupt, keys.MasterKeyName(h.masterKeyGeneration()))
	}
	files, err := readPFS0(pfs)
	if err != nil {
		return nil, fmt.Errorf("meta NCA: %w", err)
	}
	for _, f := range files {
		if hasSuffixFold(f.name, ".cnmt") {
			b, err := f.data.bytes(0, f.data.size, maxCnmtSize, "cnmt")
			if err != nil {
				return nil, err
			}
			return parseCnmt(b)
		}
	}
	return nil, fmt.Errorf("%w: meta NCA holds no .cnmt", ErrCorrupt)
}

// sectionKey decrypts the AES-CTR key of the NCA's key area.
func sectionKey(h *ncaHeader, ks *keys.Set) ([16]byte, error) {
	kak, err := ks.KeyAreaKey(keys.KeyAreaIndex(h.raw[offKeyAreaIndex]), h.masterKeyGeneration())
	if err != nil {
		return [16]byte{}, err
	}
	c, err := aes.NewCipher(kak[:])
	if err != nil {
		return [16]byte{}, err
	}
	var key [16]byte
	off := offKeyArea + keyAreaCTRKeyIdx*16
	c.Decrypt(key[:], h.raw[off:off+16])
	return key, nil
}

// ctrReader decrypts an NCA's AES-CTR section on the fly. Its offsets are
// those of the NCA, which is what the counter counts.
type ctrReader struct {
	nca   region
	key   [16]byte
	upper uint64
}

func (c *ctrReader) ReadAt(p []byte, off int64) (int, error) {
	aligned := off &^ 15
	buf := make([]byte, int64(len(p))+off-aligned)
	if err := c.nca.read(buf, aligned, "NCA section"); err != nil {
		return 0, io.ErrUnexpectedEOF
	}
	if err := nxcrypto.CTR(c.key, c.upper, aligned, buf, buf); err != nil {
		return 0, err
	}
	return copy(p, buf[off-aligned:]), nil
}
