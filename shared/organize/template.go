// Package organize decides where a game file belongs in a library and moves
// it there without ever leaving a half-written file under its final name.
//
// A destination comes from a template such as
// "{titleName}/{titleName} [{appId}][v{appVersion}]": '/' (or '\') separates
// folders, each {placeholder} is replaced by a value, and every folder and
// file name is sanitised on its own, so no value can add a folder level or
// climb out of the library root.
package organize

import (
	"fmt"
	"strconv"
	"strings"
)

// Default templates (without the extension, which Destination appends).
const (
	DefaultTemplate    = "{titleName}/{titleName} [{appId}][v{appVersion}]"
	DefaultDLCTemplate = "{titleName}/{appName} [{appId}][v{appVersion}]"
)

// Values fill a template's placeholders.
type Values struct {
	TitleName  string // {titleName}: the base game's name
	TitleID    string // {titleId}: the base game's id
	AppID      string // {appId}: the app's own id
	AppVersion int    // {appVersion}: raw version, e.g. 131072
	AppName    string // {appName}: e.g. the DLC's name
	PatchLevel int    // {patchLevel}: AppVersion / 65536
	Extension  string // {extension}: file extension without the dot
}

// value returns the text of the placeholder name.
func (v Values) value(name string) (string, bool) {
	switch name {
	case "titleName":
		return v.TitleName, true
	case "titleId":
		return v.TitleID, true
	case "appId":
		return v.AppID, true
	case "appVersion":
		return strconv.Itoa(v.AppVersion), true
	case "appName":
		return v.AppName, true
	case "patchLevel":
		return strconv.Itoa(v.PatchLevel), true
	case "extension":
		return v.Extension, true
	}
	return "", false
}

// Render replaces the placeholders of tmpl with v. It does not sanitise: use
// Destination for paths. An unknown or unterminated placeholder is an error,
// so a typo in the settings is reported instead of producing odd names.
func Render(tmpl string, v Values) (string, error) {
	return expand(tmpl, v.value)
}

// Validate reports whether tmpl is a usable template.
func Validate(tmpl string) error {
	_, err := expand(tmpl, Values{}.value)
	return err
}

// expand replaces each "{name}" in tmpl by value(name). A '}' outside a
// placeholder is kept as it is.
func expand(tmpl string, value func(string) (string, bool)) (string, error) {
	var b strings.Builder
	rest := tmpl
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:open])
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("template %q: unterminated placeholder at %q", tmpl, rest[open:])
		}
		name := rest[open+1 : open+end]
		s, ok := value(name)
		if !ok {
			return "", fmt.Errorf("template %q: unknown placeholder {%s}", tmpl, name)
		}
		b.WriteString(s)
		rest = rest[open+end+1:]
	}
}
