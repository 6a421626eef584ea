package identify

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// fakeLookup answers from a map keyed by app id.
type fakeLookup map[string]struct{ kind, title string }

func (f fakeLookup) AppType(appID string, _ int) (string, string, bool) {
	e, ok := f[appID]
	return e.kind, e.title, ok
}

func TestFilenameIdentifierIdentify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		lookup  Lookup
		want    App
		wantErr error
	}{
		{
			name: "base game",
			path: "/games/Some Game [0100ABCD12340000][v0].nsp",
			want: App{AppID: "0100ABCD12340000", TitleID: "0100ABCD12340000", Type: TypeBase},
		},
		{
			name: "update",
			path: "/games/Some Game [0100ABCD12340800][v131072].nsp",
			want: App{AppID: "0100ABCD12340800", TitleID: "0100ABCD12340000", Type: TypeUpdate, Version: 131072},
		},
		{
			name: "dlc belongs to the title one below",
			path: "Some Game - Pack [0100ABCD12341001][v65536].nsz",
			want: App{AppID: "0100ABCD12341001", TitleID: "0100ABCD12340000", Type: TypeDLC, Version: 65536},
		},
		{
			name: "dlc borrow across a digit",
			path: "x [0100000000010002].nsp",
			want: App{AppID: "0100000000010002", TitleID: "010000000000F000", Type: TypeDLC},
		},
		{
			name: "lowercase id is normalised",
			path: "game [0100abcd12340800][v65536].xci",
			want: App{AppID: "0100ABCD12340800", TitleID: "0100ABCD12340000", Type: TypeUpdate, Version: 65536},
		},
		{
			name: "missing version is zero",
			path: "game [0100ABCD12340000].xcz",
			want: App{AppID: "0100ABCD12340000", TitleID: "0100ABCD12340000", Type: TypeBase},
		},
		{
			name: "first of several ids wins",
			path: "bundle [0100ABCD12340000][0100ABCD12340800][v0].xci",
			want: App{AppID: "0100ABCD12340000", TitleID: "0100ABCD12340000", Type: TypeBase},
		},
		{
			name:    "only the base name is read",
			path:    "/lib/[0100ABCD12340000]/game.nsp",
			wantErr: ErrNoAppID,
		},
		{
			name:   "lookup overrides the id rule",
			path:   "odd [0100ABCD12341001][v0].nsp",
			lookup: fakeLookup{"0100ABCD12341001": {TypeDLC, "0100ffff00000000"}},
			want:   App{AppID: "0100ABCD12341001", TitleID: "0100FFFF00000000", Type: TypeDLC},
		},
		{
			name:   "lookup says base: title is the app itself",
			path:   "odd [0100ABCD12340800][v0].nsp",
			lookup: fakeLookup{"0100ABCD12340800": {TypeBase, ""}},
			want:   App{AppID: "0100ABCD12340800", TitleID: "0100ABCD12340800", Type: TypeBase},
		},
		{
			name:   "unknown app falls back to the id rule",
			path:   "game [0100ABCD12340800][v65536].nsp",
			lookup: fakeLookup{},
			want:   App{AppID: "0100ABCD12340800", TitleID: "0100ABCD12340000", Type: TypeUpdate, Version: 65536},
		},
		{
			name:   "unusable lookup answer falls back to the id rule",
			path:   "game [0100ABCD12341001].nsp",
			lookup: fakeLookup{"0100ABCD12341001": {"addon", "nonsense"}},
			want:   App{AppID: "0100ABCD12341001", TitleID: "0100ABCD12340000", Type: TypeDLC},
		},
		{name: "no app id", path: "Some Game v1.0.nsp", wantErr: ErrNoAppID},
		{name: "id too short", path: "game [0100ABCD1234000].nsp", wantErr: ErrNoAppID},
		{name: "id too long", path: "game [0100ABCD123400000].nsp", wantErr: ErrNoAppID},
		{name: "version overflows int", path: "game [0100ABCD12340000][v99999999999999999999].nsp", wantErr: ErrBadVersion},
		{name: "dlc without a possible base", path: "game [0000000000000001].nsp", wantErr: ErrNoBaseTitle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FilenameIdentifier{}.Identify(context.Background(), tt.path, tt.lookup)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				var ue *UnidentifiableError
				if !errors.As(err, &ue) {
					t.Fatalf("err %T is not an *UnidentifiableError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := Result{Apps: []App{tt.want}, Method: MethodFilename}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestNoAppIDMessageIsRecordable(t *testing.T) {
	t.Parallel()
	_, err := FilenameIdentifier{}.Identify(context.Background(), "readme.txt", nil)
	if got, want := err.Error(), "unidentifiable: no [app id] in file name"; got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
}

func TestIdentifyHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (FilenameIdentifier{}).Identify(ctx, "g [0100ABCD12340000].nsp", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"UpdateAppID", UpdateAppID("0100ABCD12340000"), "0100ABCD12340800"},
		{"UpdateAppID lowercase", UpdateAppID("0100abcd12340000"), "0100ABCD12340800"},
		{"PatchNumber base", PatchNumber(0), 0},
		{"PatchNumber 1", PatchNumber(65536), 1},
		{"PatchNumber 3", PatchNumber(3 * 65536), 3},
		{"PatchNumber between", PatchNumber(65535), 0},
		{"IsAppID upper", IsAppID("0100ABCD12340000"), true},
		{"IsAppID lower", IsAppID("0100abcd12340000"), false},
		{"IsAppID short", IsAppID("0100ABCD1234000"), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	for meta, want := range map[int]string{128: TypeBase, 129: TypeUpdate, 130: TypeDLC} {
		if got, ok := TypeFromMeta(meta); !ok || got != want {
			t.Errorf("TypeFromMeta(%d) = %q, %v; want %q", meta, got, ok, want)
		}
	}
	if _, ok := TypeFromMeta(131); ok {
		t.Errorf("TypeFromMeta(131) ok, want unknown")
	}
}

func FuzzIdentifyFilename(f *testing.F) {
	for _, s := range []string{
		"Some Game [0100ABCD12340000][v0].nsp",
		"x [0100abcd12341001][v65536].nsz",
		"[0000000000000001]",
		"[FFFFFFFFFFFFFFFF][v99999999999999999999]",
		"no id here",
		"[v1][0100ABCD12340800]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		res, err := FilenameIdentifier{}.Identify(context.Background(), name, nil)
		if err != nil {
			if len(res.Apps) != 0 {
				t.Fatalf("apps returned with error %v", err)
			}
			return
		}
		if len(res.Apps) != 1 || res.Method != MethodFilename {
			t.Fatalf("unexpected result %+v", res)
		}
		for _, a := range res.Apps {
			if !IsAppID(a.AppID) || !IsAppID(a.TitleID) {
				t.Fatalf("ids not 16 upper hex: %+v", a)
			}
			if !validKind(a.Type) || a.Version < 0 {
				t.Fatalf("bad app %+v", a)
			}
		}
	})
}
