package content_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shelfhq/shelf/shared/content"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/keys"
)

type testBundle struct {
	enc  *contenttest.Encoder
	keys *keys.Set
}

// setup makes random test keys with master keys 0 to 5 and an encoder.
func setup(t *testing.T, seed uint64) testBundle {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	k := contenttest.NewKeys(rng, 0, 1, 2, 3, 4, 5)
	ks, err := keys.Parse(k.Text())
	if err != nil {
		t.Fatal(err)
	}
	return testBundle{enc: &contenttest.Encoder{Keys: k, Rand: rng}, keys: ks}
}

var (
	base   = contenttest.App{ID: 0x0100ABCD12340000, Type: contenttest.Application, Generation: 0}
	update = contenttest.App{ID: 0x0100ABCD12340800, BaseID: 0x0100ABCD12340000, Type: contenttest.Patch, Version: 3 << 16, Generation: 5}
	dlc    = contenttest.App{ID: 0x0100ABCD12341001, BaseID: 0x0100ABCD12340000, Type: contenttest.AddOn, Version: 1 << 16, Generation: 2}
)

func want(a contenttest.App) content.App {
	baseID := a.BaseID
	if a.Type == contenttest.Application {
		baseID = a.ID
	}
	return content.App{ID: a.ID, BaseID: baseID, Type: content.MetaType(a.Type), Version: a.Version}
}

func identify(t *testing.T, file []byte, ks *keys.Set) content.Result {
	t.Helper()
	res, err := content.Identify(bytes.NewReader(file), int64(len(file)), ks)
	if err != nil {
		t.Fatalf("Identify: %v", err)
	}
	return res
}

func TestIdentifiesBaseUpdateAndDLCInEachFormat(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	formats := map[string]func(...contenttest.App) []byte{
		content.FormatNSP: b.enc.NSP, content.FormatNSZ: b.enc.NSZ,
		content.FormatXCI: b.enc.XCI, content.FormatXCZ: b.enc.XCZ,
	}
	for format, write := range formats {
		for _, app := range []contenttest.App{base, update, dlc} {
			res := identify(t, write(app), b.keys)
			if res.Format != format || res.Method != content.MethodCnmt || res.ContentErr != nil {
				t.Errorf("%s %s: format %s, method %q, content error %v", format, content.MetaType(app.Type), res.Format, res.Method, res.ContentErr)
			}
			if len(res.Apps) != 1 || res.Apps[0] != want(app) {
				t.Errorf("%s: apps %+v, want %+v", format, res.Apps, want(app))
			}
		}
	}
}

func TestMultiContentFileGivesEveryApp(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	for name, file := range map[string][]byte{"XCI": b.enc.XCI(base, update, dlc), "NSP": b.enc.NSP(base, update, dlc)} {
		res := identify(t, file, b.keys)
		wantApps := []content.App{want(base), want(update), want(dlc)}
		if res.Method != content.MethodCnmt || !slices.Equal(res.Apps, wantApps) {
			t.Errorf("%s: method %q apps %+v, want %+v", name, res.Method, res.Apps, wantApps)
		}
	}
}

func TestReadsNCA2Headers(t *testing.T) {
	t.Parallel()
	b := setup(t, 3)
	old := base
	old.NCA2 = true
	res := identify(t, b.enc.NSP(old), b.keys)
	if res.Method != content.MethodCnmt || len(res.Apps) != 1 || res.Apps[0].ID != base.ID {
		t.Errorf("NCA2: %+v", res)
	}
}

// Master key generation is max(key generation fields) - 1; the encoder
// writes generation 1 in the old field and 2 and up in the new one.
func TestEachMasterKeyGenerationDecrypts(t *testing.T) {
	t.Parallel()
	b := setup(t, 4)
	for gen := range 6 {
		app := dlc
		app.Generation = gen
		res := identify(t, b.enc.NSP(app), b.keys)
		if res.ContentErr != nil || len(res.Apps) != 1 {
			t.Errorf("generation %d: %+v", gen, res)
		}
	}
}

func TestMissingMasterKeyIsNamedAndTicketsStillTell(t *testing.T) {
	t.Parallel()
	b := setup(t, 5)
	app := update
	app.Generation = 0x0b
	res := identify(t, b.enc.NSP(app), b.keys)
	var missing *keys.MissingKeyError
	if !errors.As(res.ContentErr, &missing) || missing.Name != "master_key_0b" ||
		!strings.Contains(res.ContentErr.Error(), "needs master_key_0b") {
		t.Fatalf("content error = %v, want one that needs master_key_0b", res.ContentErr)
	}
	if len(res.Apps) != 0 {
		t.Errorf("apps %+v without a ticket", res.Apps)
	}
	b.enc.Tickets = true
	res = identify(t, b.enc.NSP(app), b.keys)
	if res.Method != content.MethodTicket || len(res.Apps) != 1 || res.Apps[0] != (content.App{ID: update.ID}) {
		t.Errorf("with a ticket: %+v", res)
	}
}

func TestWithoutKeysTicketsGiveTheTitleIDs(t *testing.T) {
	t.Parallel()
	b := setup(t, 6)
	b.enc.Tickets = true
	res := identify(t, b.enc.NSP(base, dlc), nil)
	if !errors.Is(res.ContentErr, content.ErrNoKeys) {
		t.Errorf("content error = %v, want ErrNoKeys", res.ContentErr)
	}
	wantApps := []content.App{{ID: base.ID}, {ID: dlc.ID}}
	if res.Method != content.MethodTicket || !slices.Equal(res.Apps, wantApps) {
		t.Errorf("method %q apps %+v, want tickets %+v", res.Method, res.Apps, wantApps)
	}
	b.enc.Tickets = false
	res = identify(t, b.enc.NSP(base), nil)
	if res.Method != "" || len(res.Apps) != 0 {
		t.Errorf("no keys and no ticket: %+v", res)
	}
}

func TestWrongHeaderKeySaysSo(t *testing.T) {
	t.Parallel()
	b := setup(t, 7)
	other := setup(t, 8)
	res := identify(t, b.enc.NSP(base), other.keys)
	if !errors.Is(res.ContentErr, content.ErrCorrupt) || !strings.Contains(res.ContentErr.Error(), "header_key") {
		t.Errorf("content error = %v, want one that suspects the header_key", res.ContentErr)
	}
}

func TestContainerWithoutMetaNCA(t *testing.T) {
	t.Parallel()
	b := setup(t, 9)
	b.enc.OmitMeta = true
	res := identify(t, b.enc.XCI(base), b.keys)
	if res.ContentErr == nil || !strings.Contains(res.ContentErr.Error(), "no meta NCA") {
		t.Errorf("content error = %v", res.ContentErr)
	}
}

func TestDeltaAndSystemMetaAreSkipped(t *testing.T) {
	t.Parallel()
	b := setup(t, 10)
	delta := contenttest.App{ID: 0x0100ABCD12340800, BaseID: base.ID, Type: contenttest.Delta}
	res := identify(t, b.enc.NSP(base, delta), b.keys)
	if !slices.Equal(res.Apps, []content.App{want(base)}) {
		t.Errorf("apps %+v, want the base only", res.Apps)
	}
	res = identify(t, b.enc.NSP(delta), b.keys)
	if res.Method == content.MethodCnmt || res.ContentErr == nil {
		t.Errorf("a delta alone: %+v", res)
	}
}

func TestNotAContainer(t *testing.T) {
	t.Parallel()
	for name, file := range map[string][]byte{
		"empty":       nil,
		"text":        []byte("just some text, not a game"),
		"zeros":       make([]byte, 0x20000),
		"HEAD at end": append(make([]byte, 0x100), "HEAD"...),
	} {
		_, err := content.Identify(bytes.NewReader(file), int64(len(file)), nil)
		if !errors.Is(err, content.ErrNotContainer) && !errors.Is(err, content.ErrTruncated) {
			t.Errorf("%s: err = %v, want ErrNotContainer", name, err)
		}
	}
}

// Every cut of a file gives an error, never a panic or a wrong answer.
func TestTruncatedFilesGiveErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, 11)
	for name, file := range map[string][]byte{"NSP": b.enc.NSP(base, dlc), "XCI": b.enc.XCI(update)} {
		for cut := 0; cut < len(file); cut += 97 {
			res, err := content.Identify(bytes.NewReader(file[:cut]), int64(cut), b.keys)
			if err == nil && res.ContentErr == nil {
				t.Errorf("%s cut at %d identified as %+v", name, cut, res)
				break
			}
			if err != nil && !errors.Is(err, content.ErrTruncated) && !errors.Is(err, content.ErrNotContainer) && !errors.Is(err, content.ErrCorrupt) {
				t.Errorf("%s cut at %d: unexpected error %v", name, cut, err)
			}
		}
		// Cut inside the last meta NCA: the container reads, the NCA not.
		cut := len(file) - 0x10
		res, err := content.Identify(bytes.NewReader(file[:cut]), int64(cut), b.keys)
		if err == nil && !errors.Is(res.ContentErr, content.ErrTruncated) {
			t.Errorf("%s cut in the last NCA: err %v, content error %v, want truncated", name, err, res.ContentErr)
		}
	}
}

func TestIdentifyFileReadsFromDisk(t *testing.T) {
	t.Parallel()
	b := setup(t, 12)
	path := filepath.Join(t.TempDir(), "renamed by hand.xcz")
	if err := os.WriteFile(path, b.enc.XCZ(base, dlc), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := content.IdentifyFile(path, b.keys)
	if err != nil || res.Format != content.FormatXCZ || len(res.Apps) != 2 {
		t.Errorf("IdentifyFile: %+v, %v", res, err)
	}
	if _, err := content.IdentifyFile(filepath.Join(t.TempDir(), "gone.nsp"), b.keys); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestWrongMasterKeySaysSo(t *testing.T) {
	t.Parallel()
	b := setup(t, 13)
	text := string(b.enc.Keys.Text())
	mk := b.enc.Keys.MasterKeys[2]
	other := b.enc.Keys.MasterKeys[3]
	text = strings.Replace(text, "master_key_02 = "+hexOf(mk[:]), "master_key_02 = "+hexOf(other[:]), 1)
	ks, err := keys.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	res := identify(t, b.enc.NSP(dlc), ks)
	if !errors.Is(res.ContentErr, content.ErrCorrupt) || !strings.Contains(res.ContentErr.Error(), "wrong master_key_02") {
		t.Errorf("content error = %v, want one that suspects master_key_02", res.ContentErr)
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
