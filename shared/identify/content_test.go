package identify_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/keys"
)

type contentBundle struct {
	enc *contenttest.Encoder
	dir string
	id  identify.ContentIdentifier
}

func setupContent(t *testing.T) contentBundle {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	k := contenttest.NewKeys(rng, 0, 1, 2, 3)
	ks, err := keys.Parse(k.Text())
	if err != nil {
		t.Fatal(err)
	}
	return contentBundle{enc: &contenttest.Encoder{Keys: k, Rand: rng}, dir: t.TempDir(),
		id: identify.ContentIdentifier{Keys: func() (*keys.Set, error) { return ks, nil }}}
}

func (b contentBundle) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	cBase   = contenttest.App{ID: 0x0100ABCD12340000, Type: contenttest.Application}
	cUpdate = contenttest.App{ID: 0x0100ABCD12340800, BaseID: 0x0100ABCD12340000, Type: contenttest.Patch, Version: 65536, Generation: 2}
	cDLC    = contenttest.App{ID: 0x0100ABCD12341001, BaseID: 0x0100ABCD12340000, Type: contenttest.AddOn, Version: 65536, Generation: 3}
)

func TestContentIdentifiesARenamedFile(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	res, err := b.id.Identify(context.Background(), b.write(t, "my game backup.nsp", b.enc.NSP(cUpdate)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := identify.App{AppID: "0100ABCD12340800", TitleID: "0100ABCD12340000", Type: identify.TypeUpdate, Version: 65536}
	if res.Method != identify.MethodCnmt || len(res.Apps) != 1 || res.Apps[0] != want || res.Note != "" {
		t.Errorf("got %+v, want %+v by cnmt without a note", res, want)
	}
}

func TestContentGivesEveryAppOfAMultiContentXCI(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	p := b.write(t, "Game [0100ABCD12340000][v0].xci", b.enc.XCI(cBase, cUpdate, cDLC))
	res, err := b.id.Identify(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != identify.MethodCnmt || len(res.Apps) != 3 || res.Note != "" {
		t.Fatalf("got %+v", res)
	}
	if res.Apps[2] != (identify.App{AppID: "0100ABCD12341001", TitleID: "0100ABCD12340000", Type: identify.TypeDLC, Version: 65536}) {
		t.Errorf("the DLC: %+v", res.Apps[2])
	}
}

func TestContentWinsOverAMislabelledName(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	for name, want := range map[string]string{
		"Game [0100ABCD12340000][UPD][v65536].nsp": "(app): the file name says 0100ABCD12340000 v65536",
		"Game [0100ABCD12340800][v131072].nsp":     "(version): the file name says 0100ABCD12340800 v131072",
	} {
		res, err := b.id.Identify(context.Background(), b.write(t, name, b.enc.NSP(cUpdate)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Method != identify.MethodCnmt || res.Apps[0].AppID != "0100ABCD12340800" || res.Apps[0].Version != 65536 {
			t.Errorf("%s: the content did not win: %+v", name, res)
		}
		if !strings.Contains(res.Note, "name and content disagree "+want) || !strings.Contains(res.Note, "0100ABCD12340800 v65536") {
			t.Errorf("%s: note %q", name, res.Note)
		}
	}
}

func TestMissingMasterKeyFallsBackToTicketThenName(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	newer := cUpdate
	newer.Generation = 0x0b

	b.enc.Tickets = true
	res, err := b.id.Identify(context.Background(), b.write(t, "upd [0100ABCD12340800][v65536].nsp", b.enc.NSP(newer)), nil)
	b.enc.Tickets = false
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != identify.MethodTicket || res.Apps[0].AppID != "0100ABCD12340800" || res.Apps[0].Version != 65536 ||
		!strings.Contains(res.Note, "needs master_key_0b") {
		t.Errorf("with a ticket: %+v (the version comes from the name, the note names the key)", res)
	}

	res, err = b.id.Identify(context.Background(), b.write(t, "upd2 [0100ABCD12340800][v65536].nsp", b.enc.NSP(newer)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != identify.MethodFilename || !strings.Contains(res.Note, "needs master_key_0b") {
		t.Errorf("without a ticket: %+v", res)
	}

	_, err = b.id.Identify(context.Background(), b.write(t, "no id at all.nsp", b.enc.NSP(newer)), nil)
	var unidentifiable *identify.UnidentifiableError
	if !errors.As(err, &unidentifiable) || !errors.Is(err, identify.ErrNoAppID) || !strings.Contains(err.Error(), "needs master_key_0b") {
		t.Errorf("err = %v, want an unidentifiable error naming master_key_0b and the name's problem", err)
	}
}

func TestWithoutKeysTheNameStillIdentifiesAndNoNoteNags(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	noKeys := identify.ContentIdentifier{}
	res, err := noKeys.Identify(context.Background(), b.write(t, "g [0100ABCD12340000][v0].nsz", b.enc.NSZ(cBase)), nil)
	if err != nil || res.Method != identify.MethodFilename || res.Note != "" {
		t.Errorf("no keys: %+v, %v", res, err)
	}
	_, err = noKeys.Identify(context.Background(), b.write(t, "g.nsz", b.enc.NSZ(cBase)), nil)
	if err == nil || !strings.Contains(err.Error(), "no keys file loaded") {
		t.Errorf("no keys, no id in the name: %v", err)
	}
}

func TestAnInvalidKeysFileIsTheNote(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	broken := identify.ContentIdentifier{Keys: func() (*keys.Set, error) { return nil, keys.ErrCorrupt }}
	res, err := broken.Identify(context.Background(), b.write(t, "g [0100ABCD12340000][v0].nsp", b.enc.NSP(cBase)), nil)
	if err != nil || res.Method != identify.MethodFilename || !strings.Contains(res.Note, "the keys file is not valid") {
		t.Errorf("got %+v, %v", res, err)
	}
}

func TestBrokenOrUnreadableFiles(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	file := b.enc.NSP(cBase)
	res, err := b.id.Identify(context.Background(), b.write(t, "cut [0100ABCD12340000][v0].nsp", file[:len(file)-40]), nil)
	if err != nil || res.Method != identify.MethodFilename || !strings.Contains(res.Note, "truncated") {
		t.Errorf("truncated: %+v, %v", res, err)
	}
	res, err = b.id.Identify(context.Background(), b.write(t, "text [0100ABCD12340000][v0].xci", []byte("not a game")), nil)
	if err != nil || !strings.Contains(res.Note, "not an NSP, NSZ, XCI or XCZ") {
		t.Errorf("not a container: %+v, %v", res, err)
	}
	gone := filepath.Join(b.dir, "gone.nsp")
	_, err = b.id.Identify(context.Background(), gone, nil)
	var unidentifiable *identify.UnidentifiableError
	if err == nil || errors.As(err, &unidentifiable) {
		t.Errorf("a file that cannot be read and has no id in its name: %v, want an error worth retrying", err)
	}
}

func TestANameTagContradictingItsIDKeepsItsNoteBesideTheContentsOwn(t *testing.T) {
	t.Parallel()
	b := setupContent(t)
	const tagNote = "the file name says an update but 0100ABCD12340000 is a base game"
	// Read by content: the app agrees with the name's id, the tag does not.
	res, err := b.id.Identify(context.Background(), b.write(t, "g [0100ABCD12340000][UPD].nsp", b.enc.NSP(cBase)), nil)
	if err != nil || res.Method != identify.MethodCnmt || res.Note != tagNote {
		t.Errorf("by content: %+v, %v; want the tag's note", res, err)
	}
	// Content not readable: the name identifies, both notes are kept.
	broken := identify.ContentIdentifier{Keys: func() (*keys.Set, error) { return nil, keys.ErrCorrupt }}
	res, err = broken.Identify(context.Background(), b.write(t, "h [0100ABCD12340000][UPD].nsp", b.enc.NSP(cBase)), nil)
	if err != nil || res.Method != identify.MethodFilename || !strings.Contains(res.Note, tagNote) ||
		!strings.Contains(res.Note, "the keys file is not valid") {
		t.Errorf("by name: %+v, %v; want both notes", res, err)
	}
}
