package content

import (
	"encoding/binary"
	"fmt"
)

// MetaType is a content meta type (the cnmt header's byte 0x0C).
type MetaType byte

// The content meta types shelf records; the system types and delta are
// skipped.
const (
	MetaApplication MetaType = 0x80
	MetaPatch       MetaType = 0x81
	MetaAddOn       MetaType = 0x82
	MetaDelta       MetaType = 0x83
)

// The packaged content meta (.cnmt, switchbrew "CNMT"):
//
//	0x00 u64 title id
//	0x08 u32 version
//	0x0C u8  meta type
//	0x0E u16 extended header size
//	0x10 u16 content count
//	0x12 u16 content meta count
//	0x20 extended header: for a patch or an add-on the u64 application id
//	     of the base game first
//	     content records (0x38 bytes each), then content meta records (0x10)
const (
	cnmtHeaderSize        = 0x20
	cnmtContentRecordSize = 0x38
	cnmtMetaRecordSize    = 0x10
)

type cnmt struct {
	titleID uint64
	version uint32
	kind    MetaType
	// baseID is the base game's id: the extended header's application id
	// for a patch or an add-on, the title id itself for an application.
	baseID uint64
}

func parseCnmt(b []byte) (*cnmt, error) {
	if len(b) < cnmtHeaderSize {
		return nil, fmt.Errorf("%w: cnmt of %d bytes is shorter than its header", ErrTruncated, len(b))
	}
	m := &cnmt{
		titleID: binary.LittleEndian.Uint64(b[0:]),
		version: binary.LittleEndian.Uint32(b[8:]),
		kind:    MetaType(b[0x0C]),
	}
	extSize := int(binary.LittleEndian.Uint16(b[0x0E:]))
	contents := int(binary.LittleEndian.Uint16(b[0x10:]))
	metas := int(binary.LittleEndian.Uint16(b[0x12:]))
	if need := cnmtHeaderSize + extSize + contents*cnmtContentRecordSize + metas*cnmtMetaRecordSize; need > len(b) {
		return nil, fmt.Errorf("%w: cnmt declares %d bytes of records but has %d", ErrTruncated, need, len(b))
	}
	switch m.kind {
	case MetaApplication:
		m.baseID = m.titleID
	case MetaPatch, MetaAddOn:
		if extSize < 8 {
			return nil, fmt.Errorf("%w: cnmt of type %#x has a %d-byte extended header, too short for the application id", ErrCorrupt, byte(m.kind), extSize)
		}
		m.baseID = binary.LittleEndian.Uint64(b[cnmtHeaderSize:])
	}
	if m.titleID == 0 {
		return nil, fmt.Errorf("%w: cnmt title id is zero", ErrCorrupt)
	}
	return m, nil
}

// recorded reports whether shelf records apps of this meta type.
func (t MetaType) recorded() bool {
	return t == MetaApplication || t == MetaPatch || t == MetaAddOn
}

func (t MetaType) String() string {
	switch t {
	case MetaApplication:
		return "application"
	case MetaPatch:
		return "patch"
	case MetaAddOn:
		return "add-on content"
	case MetaDelta:
		return "delta"
	}
	return fmt.Sprintf("system (%#x)", byte(t))
}
