package identify

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameInfo is what a file name says about the app it holds.
type nameInfo struct {
	appID   string // upper case
	version int
	// tag is the type a tag such as "[UPD]" or "[DLC]" claims, "" when the
	// name has none.
	tag string
}

// Rank of a version found in a name: lower wins. Dump tools and renamers
// write "[v65536]"; some put the version inside another tag
// ("[UPD v65536]") or drop the "v" ("[65536]"); old nxdumptool names and
// hand-made ones write a bare " v65536".
const (
	versionOwnTag = iota
	versionInTag
	versionBareNumberTag
	versionBareWord
	versionNone
)

// bracketPairs are the groups names put tags in, with the full-width forms
// CJK renamers use.
var bracketPairs = map[rune]rune{'[': ']', '(': ')', '{': '}', '【': '】', '（': '）', '「': '」'}

// typeTags maps the words tools use to tag an app's type.
var typeTags = map[string]string{
	"BASE": TypeBase, "APP": TypeBase, "GAME": TypeBase,
	"UPD": TypeUpdate, "UPDATE": TypeUpdate, "PATCH": TypeUpdate,
	"DLC": TypeDLC, "ADDON": TypeDLC, "AOC": TypeDLC,
}

// parseName reads the app id, version and type tag of a file name.
//
// The app id is the first 16 hex digit word in a tag ("[0100…]",
// "(0100…)"); without one, the first such word elsewhere that starts with
// "01" (a bare "0100A3900C3E8000.nsp" or "Game-0100…-v0.nsp"), because a
// hex word outside a tag is only taken for an id when it looks like one.
// A version written with a "v" that does not fit 32 bits is refused; a bare
// number is only taken for a version when it has a version's shape (a
// multiple of 65536), so "[2019]" or "[1]" are not versions.
func parseName(name string) (nameInfo, error) {
	var info nameInfo
	idRank, verRank := 2, versionNone
	var verErr error
	setVersion := func(rank int, digits string, explicit bool) {
		if rank >= verRank {
			return
		}
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil || v > math.MaxUint32 {
			if explicit {
				verRank, verErr = rank, ErrBadVersion
			}
			return
		}
		if !explicit && v%65536 != 0 {
			return
		}
		verRank, verErr, info.version = rank, nil, int(v)
	}
	for _, g := range splitGroups(name) {
		words := strings.FieldsFunc(g.text, isSeparator)
		for _, w := range words {
			if isHexID(w) && (g.tagged || strings.HasPrefix(w, "01")) {
				rank := 1
				if g.tagged {
					rank = 0
				}
				if rank < idRank {
					idRank, info.appID = rank, strings.ToUpper(w)
				}
			}
		}
		if !g.tagged {
			for _, w := range words {
				if digits, ok := vWord(w); ok && !g.dottedAfter(w) {
					setVersion(versionBareWord, digits, false)
				}
			}
			continue
		}
		switch {
		case len(words) == 1:
			if digits, ok := vWord(words[0]); ok {
				setVersion(versionOwnTag, digits, true)
			} else if isDigits(words[0]) {
				setVersion(versionBareNumberTag, words[0], false)
			} else if kind, ok := typeTags[strings.ToUpper(words[0])]; ok && info.tag == "" {
				info.tag = kind
			}
		case len(words) > 1:
			kind, isTag := typeTags[strings.ToUpper(words[0])]
			for _, w := range words[1:] {
				if digits, ok := vWord(w); ok {
					setVersion(versionInTag, digits, true)
				} else if !isDigits(w) {
					isTag = false
				}
			}
			if isTag && info.tag == "" {
				info.tag = kind
			}
		}
	}
	if info.appID == "" {
		return nameInfo{}, ErrNoAppID
	}
	if verErr != nil {
		return nameInfo{}, verErr
	}
	return info, nil
}

// group is a stretch of a name: the inside of one bracket pair (tagged) or
// the text between them.
type group struct {
	text   string
	tagged bool
}

// dottedAfter reports whether word is followed by ".<digit>" in the group,
// as in a display version "v1.0.3".
func (g group) dottedAfter(word string) bool {
	i := strings.Index(g.text, word)
	if i < 0 {
		return false
	}
	after := g.text[i+len(word):]
	return len(after) >= 2 && after[0] == '.' && after[1] >= '0' && after[1] <= '9'
}

// splitGroups cuts name into tagged and untagged groups. Brackets do not
// nest in real names; an unclosed one is plain text.
func splitGroups(name string) []group {
	var out []group
	for name != "" {
		open := strings.IndexFunc(name, func(r rune) bool { _, ok := bracketPairs[r]; return ok })
		if open < 0 {
			return append(out, group{text: name})
		}
		r, size := utf8.DecodeRuneInString(name[open:])
		end := strings.IndexRune(name[open+size:], bracketPairs[r])
		if end < 0 {
			return append(out, group{text: name})
		}
		if open > 0 {
			out = append(out, group{text: name[:open]})
		}
		inner := name[open+size : open+size+end]
		out = append(out, group{text: inner, tagged: true})
		_, closeSize := utf8.DecodeRuneInString(name[open+size+end:])
		name = name[open+size+end+closeSize:]
	}
	return out
}

// isSeparator splits a group into words: anything but ASCII letters and
// digits, so that "火鸡0100…" and "Game-0100…-v0.nsp" yield the id.
func isSeparator(r rune) bool {
	return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r))
}

// vWord returns the digits of "v65536" or "V65536".
func vWord(w string) (string, bool) {
	if len(w) < 2 || (w[0] != 'v' && w[0] != 'V') || !isDigits(w[1:]) {
		return "", false
	}
	return w[1:], true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHexID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
