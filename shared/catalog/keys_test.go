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
		"e.nsp": "unidentifiable: content: this file needs to be checked; file name: no [app id] in file name",
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
	if err := RecordIdentification(b.db, byContent.ID, []AppRef{{AppID: "0100000000020000", TitleID: "0100000000020000", Type: "base"}}, "cnmt", ""); err != nil {
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

func TestKeysNeededReadsTheNotesOfFilesIdentifiedByName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.addFile(t, "x [0100000000010000].nsp")
	if err := RecordIdentification(b.db, f.ID, []AppRef{{AppID: "0100000000010000", TitleID: "0100000000010000", Type: "base"}},
		"filename", "content: 12.cnmt.nca: needs master_key_0c"); err != nil {
		t.Fatal(err)
	}
	got, err := KeysNeeded(b.db)
	if err != nil || len(got) != 1 || got[0].Name != "master_key_0c" || got[0].Files != 1 {
		t.Fatalf("KeysNeeded = %+v, %v", got, err)
	}
	noted, err := NotedFiles(b.db, 0, 10)
	if err != nil || len(noted) != 1 || noted[0].IdentificationNote != "content: 12.cnmt.nca: needs master_key_0c" {
		t.Fatalf("NotedFiles = %+v, %v", noted, err)
	}
	var methods []string
	if err := b.db.Raw(`SELECT method FROM file_apps WHERE file_id = ?`, f.ID).Scan(&methods).Error; err != nil || len(methods) != 1 || methods[0] != "filename" {
		t.Errorf("file_apps.method = %v, %v", methods, err)
	}
	// A change of the file clears the note with the identification.
	if _, changed, err := UpsertFile(b.db, b.lib.ID, f.Path, 2000, f.ModTime()); err != nil || !changed {
		t.Fatal(err)
	}
	if noted, _ := NotedFiles(b.db, 0, 10); len(noted) != 0 {
		t.Errorf("a changed file keeps its note: %+v", noted)
	}
}
