package catalog

import (
	"testing"
)

func TestKeysNeededNamesEachMissingKeyWithItsFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, reason := range map[string]string{
		"a.nsp": "unidentifiable: 0123.cnmt.nca: needs master_key_0b",
		"b.nsp": "unidentifiable: 4567.cnmt.nca: needs master_key_0b",
		"c.xci": "unidentifiable: needs master_key_10; no [app id] in file name",
		"d.nsp": "unidentifiable: no [app id] in file name",
	} {
		f := b.addFile(t, name)
		if err := RecordIdentificationFailure(b.db, f.ID, reason); err != nil {
			t.Fatal(err)
		}
	}
	got, err := KeysNeeded(b.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "master_key_0b" || got[0].Files != 2 || got[1].Name != "master_key_10" || got[1].Files != 1 {
		t.Fatalf("KeysNeeded = %+v", got)
	}
	if got[0].Example != b.lib.Path+"/a.nsp" {
		t.Errorf("example %q, want the first path", got[0].Example)
	}
}

func TestMarkForReidentificationLeavesContentIdentifiedFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	byName, byContent, failed := b.addFile(t, "name.nsp"), b.addFile(t, "content.nsp"), b.addFile(t, "failed.nsp")
	b.identify(t, byName, AppRef{AppID: "0100000000010000", TitleID: "0100000000010000", Type: "base"})
	if err := RecordIdentification(b.db, byContent.ID, []AppRef{{AppID: "0100000000020000", TitleID: "0100000000020000", Type: "base"}}, "cnmt"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := RecordIdentificationFailure(b.db, failed.ID, "unidentifiable: needs master_key_0b"); err != nil {
			t.Fatal(err)
		}
	}
	n, err := MarkForReidentification(b.db, "cnmt")
	if err != nil || n != 2 {
		t.Fatalf("marked %d, %v; want 2", n, err)
	}
	due, err := UnidentifiedFiles(b.db, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range due {
		names = append(names, f.Name)
	}
	if len(names) != 2 || names[0] != "name.nsp" && names[1] != "name.nsp" {
		t.Errorf("due for identification: %v, want name.nsp and failed.nsp (attempts reset)", names)
	}
	apps, err := AppsOfFile(b.db, byName.ID)
	if err != nil || len(apps) != 1 {
		t.Errorf("the file's apps stay until it is identified again: %v, %v", apps, err)
	}
}
