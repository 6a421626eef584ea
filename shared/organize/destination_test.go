package organize

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDestination(t *testing.T) {
	t.Parallel()
	root := "/library"
	long := strings.Repeat("é", 200) // 400 bytes
	tests := []struct {
		name        string
		tmpl        string
		v           Values
		ext         string
		windowsSafe bool
		want        string // relative to root, '/'-separated
	}{
		{"default template", DefaultTemplate, gameValues, "nsp", false,
			"Super Game/Super Game [0100ABCD12340800][v131072].nsp"},
		{"extension with dot", DefaultTemplate, gameValues, ".nsz", false,
			"Super Game/Super Game [0100ABCD12340800][v131072].nsz"},
		{"slash in a value stays in one part", "{titleName}/{appName}", Values{TitleName: "Fate/Extella", AppName: "a/b/c"}, "nsp", false,
			"Fate_Extella/a_b_c.nsp"},
		{"dot-dot value cannot climb", "{titleName}/{appName}", Values{TitleName: "..", AppName: "../../etc/passwd"}, "nsp", false,
			"_/.._.._etc_passwd.nsp"},
		{"backslash dot-dot value", "{titleName}/x", Values{TitleName: `..\x`}, "nsp", false,
			".._x/x.nsp"},
		{"single dot value", "{titleName}/x", Values{TitleName: "."}, "nsp", false, "_/x.nsp"},
		{"absolute template is made relative", "/etc/{titleName}", Values{TitleName: "g"}, "nsp", false, "etc/g.nsp"},
		{"dot-dot in the template", "../../{titleName}", Values{TitleName: "g"}, "nsp", false, "_/_/g.nsp"},
		{"backslash separates levels in templates", `{titleName}\{appName}`, Values{TitleName: "t", AppName: "a"}, "nsp", false, "t/a.nsp"},
		{"empty levels are dropped", "a//{titleName}/", Values{TitleName: "g"}, "nsp", false, "a/g.nsp"},
		{"empty value becomes underscore", "{titleName}/{appName}", Values{TitleName: "", AppName: "  "}, "nsp", false, "_/_.nsp"},
		{"control chars and NUL removed", "{titleName}", Values{TitleName: "a\x00b\tc\nd\x7f\u0085e"}, "nsp", false, "abcde.nsp"},
		{"bidi override removed", "{titleName}", Values{TitleName: "gam\u202Eexe"}, "nsp", false, "gamexe.nsp"},
		{"invalid utf-8 removed", "{titleName}", Values{TitleName: "a\xffb"}, "nsp", false, "ab.nsp"},
		{"spaces trimmed", "{titleName}/{appName}", Values{TitleName: "  t  ", AppName: " a "}, "nsp", false, "t/a.nsp"},
		{"windows chars kept on posix", "{titleName}", Values{TitleName: `a<b>c:d"e|f?g*h`}, "nsp", false, `a<b>c:d"e|f?g*h.nsp`},
		{"windows chars replaced", "{titleName}", Values{TitleName: `a<b>c:d"e|f?g*h`}, "nsp", true, "a_b_c_d_e_f_g_h.nsp"},
		{"windows trailing dots and spaces", "{titleName}/{appName}", Values{TitleName: "Game. . .", AppName: "x.."}, "nsp", true, "Game/x.nsp"},
		{"windows dots-only folder", "{titleName}/x", Values{TitleName: "..."}, "nsp", true, "_/x.nsp"},
		{"windows reserved folder", "{titleName}/x", Values{TitleName: "con"}, "nsp", true, "_con/x.nsp"},
		{"windows reserved file", "{titleName}", Values{TitleName: "NUL"}, "nsp", true, "_NUL.nsp"},
		{"windows reserved with extension", "{titleName}/x", Values{TitleName: "com1.txt"}, "nsp", true, "_com1.txt/x.nsp"},
		{"windows lpt superscript", "{titleName}/x", Values{TitleName: "LPT¹"}, "nsp", true, "_LPT¹/x.nsp"},
		{"not reserved", "{titleName}/x", Values{TitleName: "CONSOLE"}, "nsp", true, "CONSOLE/x.nsp"},
		{"reserved is fine on posix", "{titleName}", Values{TitleName: "CON"}, "nsp", false, "CON.nsp"},
		{"long folder cut on a character boundary", "{titleName}/x", Values{TitleName: long}, "nsp", false,
			strings.Repeat("é", 127) + "/x.nsp"},
		{"long file name keeps its extension", "{titleName}", Values{TitleName: long}, "nsp", false,
			strings.Repeat("é", 125) + ".nsp"},
		{"extension placeholder defaults to ext", "{titleName}-{extension}", Values{TitleName: "g"}, "xci", false, "g-xci.xci"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Destination(root, tt.tmpl, tt.v, tt.ext, tt.windowsSafe)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := filepath.Join(root, filepath.FromSlash(tt.want))
			if got != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
			for _, part := range strings.Split(got, string(filepath.Separator))[1:] {
				if len(part) > MaxNameBytes || !utf8.ValidString(part) {
					t.Fatalf("bad part %q", part)
				}
			}
		})
	}
}

func TestDestinationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, root, tmpl, ext string
	}{
		{"empty root", "", DefaultTemplate, "nsp"},
		{"unknown placeholder", "/lib", "{nope}", "nsp"},
		{"template without a name", "/lib", "//", "nsp"},
		{"extension with a separator", "/lib", DefaultTemplate, "n/sp"},
		{"extension climbing", "/lib", DefaultTemplate, "./../x"},
		{"extension too long", "/lib", DefaultTemplate, strings.Repeat("x", 17)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := Destination(tt.root, tt.tmpl, gameValues, tt.ext, false); err == nil {
				t.Fatalf("got %q, want an error", got)
			}
		})
	}
}

func TestDestinationRelativeRootIsMadeAbsolute(t *testing.T) {
	t.Parallel()
	got, err := Destination("lib", "{titleName}", Values{TitleName: "g"}, "nsp", false)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got) || filepath.Base(got) != "g.nsp" {
		t.Fatalf("got %q, want an absolute path ending in g.nsp", got)
	}
}

func FuzzDestination(f *testing.F) {
	f.Add("/library", DefaultTemplate, "Game", "0100ABCD12340000", "Pack", "nsp", false)
	f.Add("/library", "../{titleName}/..", "..", "..", "../..", "nsp", true)
	f.Add("/", "{appName}", "/", "\\..\\", "\x00", "", false)
	f.Add("/library/sub", "{titleName}{appName}", ".", ".", "con", "xci", true)
	f.Fuzz(func(t *testing.T, root, tmpl, title, appID, appName, ext string, windowsSafe bool) {
		v := Values{TitleName: title, TitleID: appID, AppID: appID, AppName: appName, AppVersion: 1}
		dst, err := Destination(root, tmpl, v, ext, windowsSafe)
		if err != nil {
			return
		}
		absRoot, err := filepath.Abs(root)
		if err != nil {
			t.Fatalf("Destination accepted root %q that Abs rejects", root)
		}
		if !filepath.IsAbs(dst) {
			t.Fatalf("%q is not absolute", dst)
		}
		rel, err := filepath.Rel(absRoot, dst)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			t.Fatalf("%q is not inside %q (rel %q, %v)", dst, absRoot, rel, err)
		}
		for _, part := range strings.Split(rel, string(filepath.Separator)) {
			if part == "" || part == "." || part == ".." || len(part) > MaxNameBytes {
				t.Fatalf("bad part %q in %q", part, dst)
			}
		}
	})
}
