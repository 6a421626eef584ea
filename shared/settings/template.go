package settings

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Placeholders are the names a template may use inside braces, such as {titleName}.
var Placeholders = []string{"titleName", "titleId", "appId", "appVersion", "appName", "patchLevel", "extension"}

// checkTemplate returns why tpl cannot be used as an organizer template, or "" if it can. The rules
// keep the organizer inside the library folder: a template is always a relative path without "..",
// so no title name or template edit can move a file out of the library.
func checkTemplate(tpl string) string {
	if strings.TrimSpace(tpl) == "" {
		return "must not be empty"
	}
	if strings.ContainsFunc(tpl, unicode.IsControl) {
		return "must not contain control characters"
	}
	if isAbsoluteTemplate(tpl) {
		return fmt.Sprintf("must be a path relative to the library folder, got %q", tpl)
	}
	// Both separators count, because windows_compatible libraries are also read from Windows.
	for _, seg := range strings.FieldsFunc(tpl, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return fmt.Sprintf("must not contain a \"..\" segment, got %q", tpl)
		}
	}
	return checkPlaceholders(tpl)
}

// isAbsoluteTemplate reports a leading separator or a Windows drive ("C:"), either of which would
// place files outside the library.
func isAbsoluteTemplate(tpl string) bool {
	if tpl[0] == '/' || tpl[0] == '\\' {
		return true
	}
	return len(tpl) >= 2 && tpl[1] == ':' && ('a' <= tpl[0]|0x20 && tpl[0]|0x20 <= 'z')
}

// checkPlaceholders requires braces to pair up without nesting and every name between them to be
// one of Placeholders.
func checkPlaceholders(tpl string) string {
	rest := tpl
	for {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			return ""
		}
		if rest[open] == '}' {
			return fmt.Sprintf("has a \"}\" without a matching \"{\" in %q", tpl)
		}
		rest = rest[open+1:]
		end := strings.IndexAny(rest, "{}")
		if end < 0 || rest[end] == '{' {
			return fmt.Sprintf("has a \"{\" without a matching \"}\" in %q", tpl)
		}
		if name := rest[:end]; !slices.Contains(Placeholders, name) {
			return fmt.Sprintf("has unknown placeholder {%s}; known: {%s}", name, strings.Join(Placeholders, "} {"))
		}
		rest = rest[end+1:]
	}
}
