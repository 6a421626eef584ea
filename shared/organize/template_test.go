package organize

import (
	"strings"
	"testing"
)

var gameValues = Values{
	TitleName:  "Super Game",
	TitleID:    "0100ABCD12340000",
	AppID:      "0100ABCD12340800",
	AppVersion: 131072,
	AppName:    "Super Game Update",
	PatchLevel: 2,
	Extension:  "nsp",
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tmpl    string
		v       Values
		want    string
		wantErr string
	}{
		{"default template", DefaultTemplate, gameValues, "Super Game/Super Game [0100ABCD12340800][v131072]", ""},
		{"default dlc template", DefaultDLCTemplate, Values{TitleName: "Super Game", AppName: "Costume Pack", AppID: "0100ABCD12341001", AppVersion: 65536},
			"Super Game/Costume Pack [0100ABCD12341001][v65536]", ""},
		{"every placeholder", "{titleName}|{titleId}|{appId}|{appVersion}|{appName}|{patchLevel}|{extension}", gameValues,
			"Super Game|0100ABCD12340000|0100ABCD12340800|131072|Super Game Update|2|nsp", ""},
		{"no placeholders", "static", gameValues, "static", ""},
		{"lone closing brace kept", "a}b", gameValues, "a}b", ""},
		{"values are not sanitised here", "{titleName}", Values{TitleName: "../x"}, "../x", ""},
		{"unknown placeholder", "{titleName}/{region}", gameValues, "", "unknown placeholder {region}"},
		{"placeholder names are case sensitive", "{TitleName}", gameValues, "", "unknown placeholder {TitleName}"},
		{"empty placeholder", "{}", gameValues, "", "unknown placeholder {}"},
		{"unterminated placeholder", "{titleName", gameValues, "", "unterminated placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(tt.tmpl, tt.v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if Validate(tt.tmpl) == nil {
					t.Fatalf("Validate(%q) = nil, want an error", tt.tmpl)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzRender: whether a template renders depends on the template alone, never on the values
// (so Validate at save time is the whole story); text outside braces is kept as it is; and an
// error is always one of the two a user can fix.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{DefaultTemplate, DefaultDLCTemplate, "{titleName}|{titleId}|{appId}|{appVersion}|{appName}|{patchLevel}|{extension}",
		"static", "a}b", "{titleName", "{}", "{TitleName}", "{{titleName}}", "{titleName}}", "ü/{appName}/\x00"} {
		f.Add(seed, "Super Game", "{appId}", 131072)
	}
	f.Fuzz(func(t *testing.T, tmpl, title, appName string, version int) {
		v := Values{TitleName: title, AppName: appName, AppVersion: version, PatchLevel: version / 65536}
		got, err := Render(tmpl, v)
		if verr := Validate(tmpl); (err == nil) != (verr == nil) {
			t.Fatalf("Render error %v but Validate error %v for %q", err, verr, tmpl)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "unknown placeholder") && !strings.Contains(err.Error(), "unterminated placeholder") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !strings.Contains(tmpl, "{") && got != tmpl {
			t.Fatalf("%q without placeholders rendered as %q", tmpl, got)
		}
		// Values are inserted once, not expanded again: a value that looks like a placeholder
		// ("{appId}") stays literal.
		if strings.Contains(tmpl, "{appName}") && !strings.Contains(got, appName) {
			t.Fatalf("%q rendered as %q without the app name %q", tmpl, got, appName)
		}
	})
}
