package content

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// PFS0 (the NSP and NSZ container, and the file system inside an NCA's
// meta section) and HFS0 (the gamecard's partitions) share one layout:
//
//	0x00 magic "PFS0" or "HFS0"
//	0x04 u32 file count
//	0x08 u32 string table size
//	0x0C u32 reserved
//	0x10 file entries (0x18 bytes in PFS0, 0x40 in HFS0):
//	     u64 data offset, u64 size, u32 name offset, then PFS0: u32 reserved;
//	     HFS0: u32 hashed region size, u64 reserved, 0x20 SHA-256
//	     the string table (NUL-terminated names)
//	     the file data, where the entries' offsets start
const (
	partitionHeaderSize = 0x10
	pfs0EntrySize       = 0x18
	hfs0EntrySize       = 0x40
	// maxPartitionEntries and maxPartitionHeader bound what a crafted
	// header can make shelf allocate; real containers hold tens of files.
	maxPartitionEntries = 0x10000
	maxPartitionHeader  = 8 << 20
)

var (
	magicPFS0 = []byte("PFS0")
	magicHFS0 = []byte("HFS0")
)

// entry is one file of a partition.
type entry struct {
	name string
	data region
}

// readPFS0 lists the files of the PFS0 that fills g.
func readPFS0(g region) ([]entry, error) { return readPartition(g, magicPFS0, pfs0EntrySize) }

// readHFS0 lists the files of the HFS0 that fills g.
func readHFS0(g region) ([]entry, error) { return readPartition(g, magicHFS0, hfs0EntrySize) }

func readPartition(g region, magic []byte, entrySize int64) ([]entry, error) {
	kind := string(magic)
	var head [partitionHeaderSize]byte
	if err := g.read(head[:], 0, kind+" header"); err != nil {
		return nil, err
	}
	if !bytes.Equal(head[:4], magic) {
		return nil, fmt.Errorf("%w: no %s magic", ErrCorrupt, kind)
	}
	count := int64(binary.LittleEndian.Uint32(head[4:]))
	strSize := int64(binary.LittleEndian.Uint32(head[8:]))
	if count > maxPartitionEntries {
		return nil, fmt.Errorf("%w: %s claims %d files (at most %d)", ErrCorrupt, kind, count, maxPartitionEntries)
	}
	tableSize := count*entrySize + strSize
	table, err := g.bytes(partitionHeaderSize, tableSize, maxPartitionHeader, kind+" file table")
	if err != nil {
		return nil, err
	}
	strs := table[count*entrySize:]
	dataStart := partitionHeaderSize + tableSize
	data, err := g.sub(dataStart, g.size-dataStart, kind+" data")
	if err != nil {
		return nil, err
	}
	entries := make([]entry, 0, count)
	for i := range count {
		e := table[i*entrySize : (i+1)*entrySize]
		off := binary.LittleEndian.Uint64(e[0:])
		size := binary.LittleEndian.Uint64(e[8:])
		nameOff := int64(binary.LittleEndian.Uint32(e[16:]))
		if nameOff >= strSize {
			return nil, fmt.Errorf("%w: %s file %d: name offset %#x outside the %#x-byte string table", ErrCorrupt, kind, i, nameOff, strSize)
		}
		end := bytes.IndexByte(strs[nameOff:], 0)
		if end < 0 {
			return nil, fmt.Errorf("%w: %s file %d: name not terminated", ErrCorrupt, kind, i)
		}
		name := string(strs[nameOff : nameOff+int64(end)])
		if off > uint64(data.size) || size > uint64(data.size) {
			return nil, fmt.Errorf("%w: %s file %q at %#x+%#x past the end", ErrTruncated, kind, name, off, size)
		}
		body, err := data.sub(int64(off), int64(size), kind+" file "+fmt.Sprintf("%q", name))
		if err != nil {
			return nil, err
		}
		entries = append(entries, entry{name: name, data: body})
	}
	return entries, nil
}
