package titledb

import (
	"fmt"
	"strconv"
	"strings"
)

// App kinds, as returned in AppInfo.Type. The strings match the content
// meta types 128 (application), 129 (patch) and 130 (add-on content).
const (
	KindBase   = "base"
	KindUpdate = "update"
	KindDLC    = "dlc"
)

// Content meta types as they appear in cnmts.json.
const (
	metaApplication = 128
	metaPatch       = 129
	metaAddOn       = 130
)

// NormalizeID returns id as 16 upper-case hex digits, or false when it is not
// a 16-digit hex id. titledb writes ids in upper case in the titles files and
// in lower case in cnmts.json and versions.json, so ids are normalised once
// when parsed and every lookup normalises its argument the same way.
func NormalizeID(id string) (string, bool) {
	id = strings.TrimSpace(id)
	if len(id) != 16 {
		return "", false
	}
	var b [16]byte
	for i := range 16 {
		c := id[i]
		switch {
		case '0' <= c && c <= '9', 'A' <= c && c <= 'F':
		case 'a' <= c && c <= 'f':
			c -= 'a' - 'A'
		default:
			return "", false
		}
		b[i] = c
	}
	return string(b[:]), true
}

// kindFromMeta maps a cnmts titleType to a kind; other meta types (system
// titles, deltas) are not apps a library holds.
func kindFromMeta(titleType int64) (string, bool) {
	switch titleType {
	case metaApplication:
		return KindBase, true
	case metaPatch:
		return KindUpdate, true
	case metaAddOn:
		return KindDLC, true
	}
	return "", false
}

// deriveBase follows the Switch numbering convention when cnmts.json does not
// name the base title: an update is the base id with 0x800 in its last three
// digits, and a DLC is the base id plus 0x1000 plus its index. id must be
// normalised.
func deriveBase(id string) (kind, base string) {
	n, err := strconv.ParseUint(id, 16, 64)
	if err != nil {
		return "", ""
	}
	switch low := n & 0xFFF; {
	case low == 0:
		return KindBase, id
	case low == 0x800:
		return KindUpdate, formatID(n &^ 0xFFF)
	case n>>12 == 0:
		return "", "" // a DLC of title 0 cannot exist
	default:
		return KindDLC, formatID(n&^0xFFF - 0x1000)
	}
}

func formatID(n uint64) string { return fmt.Sprintf("%016X", n) }

// titleKey is the id versions.json data is stored under: titledb keys it by
// base title, but callers often hold the update's id, so both find the same
// entry.
func titleKey(id string) string {
	if kind, base := deriveBase(id); kind == KindUpdate {
		return base
	}
	return id
}
