package organize

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes is the longest folder or file name Destination produces; it is
// the limit of common Linux, macOS and Windows file systems.
const MaxNameBytes = 255

// maxExtBytes bounds the extension so the file name keeps room for a stem.
const maxExtBytes = 16

// Destination returns the absolute path root/<rendered tmpl>.<ext>.
//
// The template is split into folder levels at '/' and '\' before rendering;
// empty levels ("a//b", a leading '/') are dropped. Every level is then
// rendered and sanitised on its own: separators inside values become '_',
// control characters are removed, surrounding spaces trimmed, the name cut to
// MaxNameBytes, and a name left empty, "." or ".." becomes "_". With
// windowsSafe the characters <>:"|?* become '_', trailing dots and spaces go,
// and reserved device names (CON, NUL, COM1...) get a '_' prefix.
//
// The result is always strictly inside root; anything else is an error.
func Destination(root, tmpl string, v Values, ext string, windowsSafe bool) (string, error) {
	if root == "" {
		return "", errors.New("destination: empty library root")
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("destination: %w", err)
	}
	ext = strings.TrimPrefix(ext, ".")
	if !validExt(ext) {
		return "", fmt.Errorf("destination: invalid extension %q", ext)
	}
	if v.Extension == "" {
		v.Extension = ext
	}
	value := func(name string) (string, bool) {
		s, ok := v.value(name)
		return strings.Map(noSeparator, strings.ToValidUTF8(s, "")), ok
	}

	levels := strings.FieldsFunc(tmpl, isSeparator)
	if len(levels) == 0 {
		return "", fmt.Errorf("destination: template %q names no file", tmpl)
	}
	parts := make([]string, 0, len(levels)+1)
	parts = append(parts, root)
	for i, l := range levels {
		rendered, err := expand(l, value)
		if err != nil {
			return "", fmt.Errorf("destination: %w", err)
		}
		if i < len(levels)-1 {
			parts = append(parts, sanitizeName(rendered, MaxNameBytes, windowsSafe))
			continue
		}
		budget := MaxNameBytes
		if ext != "" {
			budget -= len(ext) + 1
		}
		name := sanitizeName(rendered, budget, windowsSafe)
		if ext != "" {
			name += "." + ext
		}
		parts = append(parts, name)
	}
	dst := filepath.Join(parts...)
	if !inside(root, dst) {
		return "", fmt.Errorf("destination: %q escapes the library root %q", dst, root)
	}
	return dst, nil
}

// inside reports whether path lies strictly below root (both absolute).
func inside(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || filepath.IsAbs(rel) {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func isSeparator(r rune) bool { return r == '/' || r == '\\' }

func noSeparator(r rune) rune {
	if isSeparator(r) {
		return '_'
	}
	return r
}

func validExt(ext string) bool {
	if len(ext) > maxExtBytes {
		return false
	}
	for _, r := range ext {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// sanitizeName makes s safe as one folder or file name of at most maxBytes.
func sanitizeName(s string, maxBytes int, windowsSafe bool) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || isBidiControl(r):
			return -1
		case isSeparator(r):
			return '_'
		case windowsSafe && strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, s)
	s = trimName(s, windowsSafe)
	if len(s) > maxBytes {
		s = trimName(truncateUTF8(s, maxBytes), windowsSafe)
	}
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	if windowsSafe && isReservedWindowsName(s) {
		s = "_" + s
		if len(s) > maxBytes {
			s = truncateUTF8(s, maxBytes)
		}
	}
	return s
}

func trimName(s string, windowsSafe bool) string {
	s = strings.TrimSpace(s)
	if windowsSafe {
		s = strings.TrimRight(s, ". ")
	}
	return s
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// isBidiControl reports the explicit direction controls, which can make a
// name display as something it is not ("gam\u202Eexe.nsp").
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F
}

// isReservedWindowsName reports device names that Windows refuses as file
// names, with or without an extension ("nul.nsp").
func isReservedWindowsName(s string) bool {
	base, _, _ := strings.Cut(s, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) >= 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		switch base[3:] {
		case "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}
