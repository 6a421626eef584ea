package pipelinetest_test

import (
	"path"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/titledb"
)

var dumpNamePattern = regexp.MustCompile(`\[([0-9A-F]{16})\]\[v(\d+)\]\.(nsp|nsz|xci)$`)

func loadSample(t *testing.T) *titledb.DB {
	t.Helper()
	db, err := titledb.LoadSample()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDefaultLibraryHoldsOneFilePerSampleApp(t *testing.T) {
	t.Parallel()
	db := loadSample(t)
	files := pipelinetest.Library(db, 0, 1)

	want := map[string]int{} // app id → version expected in its name
	for _, title := range db.Titles() {
		if kind, _, _ := db.AppType(title.ID, 0); kind != titledb.KindBase {
			continue
		}
		want[title.ID] = 0
		if latest, ok := db.LatestVersion(title.ID); ok {
			want[title.ID[:13]+"800"] = latest
		}
		for _, dlc := range db.DLCs(title.ID) {
			versions := db.DLCVersions(dlc)
			want[dlc] = versions[len(versions)-1]
		}
	}

	got := map[string]int{}
	var atRoot, inFolders int
	exts := map[string]bool{}
	for _, f := range files {
		m := dumpNamePattern.FindStringSubmatch(f.Path)
		if m == nil {
			continue
		}
		if _, dup := got[m[1]]; dup {
			t.Errorf("app %s has more than one file", m[1])
		}
		got[m[1]], _ = strconv.Atoi(m[2])
		exts[m[3]] = true
		if path.Dir(f.Path) == "." {
			atRoot++
		} else {
			inFolders++
		}
		if kind, _, ok := db.AppType(m[1], got[m[1]]); !ok || kind == "" {
			t.Errorf("%s is not in the sample titledb", f.Path)
		}
	}
	if len(got) != len(want) {
		t.Errorf("want %d apps, got %d", len(want), len(got))
	}
	for id, version := range want {
		if got[id] != version {
			t.Errorf("app %s: want v%d, got v%d", id, version, got[id])
		}
	}
	if atRoot == 0 || inFolders == 0 {
		t.Errorf("layout not messy: %d files at the root, %d in folders", atRoot, inFolders)
	}
	for _, ext := range []string{"nsp", "nsz", "xci"} {
		if !exts[ext] {
			t.Errorf("no .%s file", ext)
		}
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	for _, stray := range pipelinetest.Strays {
		if !slices.Contains(paths, stray) {
			t.Errorf("stray %s missing", stray)
		}
	}
}

func TestBulkLibraryHasExactlyNFilesDeterminedBySeed(t *testing.T) {
	t.Parallel()
	db := loadSample(t)
	a, b, other := pipelinetest.Library(db, 2000, 7), pipelinetest.Library(db, 2000, 7), pipelinetest.Library(db, 2000, 8)

	if len(a) != 2000 || len(b) != 2000 || len(other) != 2000 {
		t.Fatalf("want 2000 files each, got %d, %d, %d", len(a), len(b), len(other))
	}
	if !slices.EqualFunc(a, b, func(x, y pipelinetest.File) bool { return x.Path == y.Path && string(x.Content) == string(y.Content) }) {
		t.Error("the same seed gave different libraries")
	}
	if slices.EqualFunc(a, other, func(x, y pipelinetest.File) bool { return x.Path == y.Path }) {
		t.Error("different seeds gave the same library")
	}
	seen := map[string]bool{}
	for _, f := range a {
		if seen[f.Path] {
			t.Errorf("duplicate path %s", f.Path)
		}
		seen[f.Path] = true
	}
	if n := len(pipelinetest.Library(db, 3, 1)); n != 3 {
		t.Errorf("-n 3 gave %d files", n)
	}
}
