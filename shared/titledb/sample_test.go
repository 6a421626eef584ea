package titledb

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSampleIsSelfConsistent(t *testing.T) {
	t.Parallel()
	db, err := LoadSample()
	if err != nil {
		t.Fatal(err)
	}
	var bases int
	for appID, byVersion := range db.apps {
		for _, v := range byVersion {
			version, info := v.version, v.info
			if info.Type == KindBase {
				bases++
				if _, ok := db.Title(appID); !ok {
					t.Errorf("base %s has no title", appID)
				}
				continue
			}
			base, ok := db.Title(info.TitleID)
			if !ok {
				t.Errorf("%s %s v%d: base title %s missing", info.Type, appID, version, info.TitleID)
				continue
			}
			if kind, _, _ := db.AppType(base.ID, 0); kind != KindBase {
				t.Errorf("%s v%d: base %s is a %q in cnmts", appID, version, base.ID, kind)
			}
			if info.Type == KindDLC {
				if _, ok := db.Title(appID); !ok {
					t.Errorf("dlc %s has no title", appID)
				}
			}
			if info.Type == KindUpdate {
				if latest, _ := db.LatestVersion(info.TitleID); version > latest {
					t.Errorf("update %s v%d is newer than versions.json's latest %d", appID, version, latest)
				}
			}
		}
	}
	equal(t, "base titles", 12, bases)
	for _, title := range db.Titles() {
		if title.Name == "" {
			t.Errorf("title %s has no name", title.ID)
		}
		for _, v := range db.Versions(title.ID) {
			if _, ok := db.apps[title.ID[:13]+"800"].at(v.Version); !ok {
				t.Errorf("versions.json lists %s v%d but cnmts.json does not", title.ID, v.Version)
			}
		}
	}
	if len(db.Search("Lumen Drift")) == 0 {
		t.Error("Lumen Drift not found")
	}
}

func TestInstallSampleWritesOnlyWhatDiffers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := InstallSample(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, "US", "en"); err != nil {
		t.Fatalf("installed sample does not load: %v", err)
	}

	changed, err := installSample(dir, "US", "en", discardLog())
	equal(t, "changed on second install", false, changed)
	if err != nil {
		t.Fatal(err)
	}

	writeFile(t, filepath.Join(dir, "versions.json"), `{}`)
	changed, err = installSample(dir, "US", "en", discardLog())
	equal(t, "changed after a file was altered", true, changed)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sampleFS.ReadFile("sample/versions.json")
	got, _ := os.ReadFile(filepath.Join(dir, "versions.json"))
	equal(t, "versions.json restored", string(want), string(got))
	assertNoTempFiles(t, dir)
}
