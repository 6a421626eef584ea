// Package pipelinetest makes game libraries: placeholder files named the way
// dump tools name them, scattered over a messy folder layout, with strays a
// scan must skip or cannot identify, and a title database that names them.
// The pipeline's tests and benchmark use it, and so does cmd/samplelib, which
// writes the library `make run` starts with.
package pipelinetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/shelfhq/shelf/shared/titledb"
)

// File is one file of a library: a slash-separated path relative to the
// library folder, and its content.
type File struct {
	Path    string
	Content []byte
}

// Strays are files a real library collects: two game files without an id
// in their name (recorded as unidentifiable) and two that are not games.
var Strays = []string{
	"random backup.nsp",
	"Switch/untitled game.xci",
	"readme.txt",
	"Switch/covers/cover.jpg",
}

// Unidentifiable lists the strays that are game files shelf cannot identify.
var Unidentifiable = []string{"random backup.nsp", "Switch/untitled game.xci"}

// SampleLibrary is the library cmd/samplelib writes by default for the
// sample titledb: a file per base game, latest update and DLC, plus Strays.
// The same seed gives the same layout.
func SampleLibrary(db *titledb.DB, seed uint64) []File {
	rng := rand.New(rand.NewPCG(seed, 0x5e1f))
	gameFolders := []string{"", "", "Switch", "Switch/Games", "new stuff/unsorted"}
	var files []File
	for _, title := range db.Titles() {
		if kind, _, _ := db.AppType(title.ID, 0); kind != titledb.KindBase {
			continue
		}
		name := fileSafe(title.Name)
		folder := pick(rng, gameFolders)
		if folder != "" && rng.IntN(2) == 0 {
			folder += "/" + name
		}
		files = append(files, placeholder(path.Join(folder, DumpName(name, title.ID, 0, pick(rng, []string{".nsp", ".xci", ".nsz"})))))
		if latest, ok := db.LatestVersion(title.ID); ok {
			updateFolder := pick(rng, []string{folder, "updates", "Switch/Updates"})
			files = append(files, placeholder(path.Join(updateFolder, DumpName(name, title.ID[:13]+"800", latest, pick(rng, []string{".nsp", ".nsz"})))))
		}
		for _, dlcID := range db.DLCs(title.ID) {
			dlcName := name + " DLC"
			if dlc, ok := db.Title(dlcID); ok && dlc.Name != "" {
				dlcName = fileSafe(dlc.Name)
			}
			version := 0
			if vs := db.DLCVersions(dlcID); len(vs) > 0 {
				version = vs[len(vs)-1]
			}
			dlcFolder := pick(rng, []string{folder, "DLC", "DLC/" + name})
			files = append(files, placeholder(path.Join(dlcFolder, DumpName(dlcName, dlcID, version, ".nsp"))))
		}
	}
	for _, p := range Strays {
		files = append(files, placeholder(p))
	}
	return files
}

// Library is the library cmd/samplelib writes: with n == 0 the
// SampleLibrary of the sample titledb; with n > 0 exactly n files, that set
// first, then Synthetic titles (which the sample titledb does not know).
func Library(db *titledb.DB, n int, seed uint64) []File {
	files := SampleLibrary(db, seed)
	if n == 0 {
		return files
	}
	if n <= len(files) {
		return files[:n]
	}
	more, _ := Synthetic(n-len(files), seed)
	return append(files, more...)
}

// Synthetic invents titles until their files number n: each title has a
// base game, often an update, sometimes DLC, in folders nested as large
// libraries are. It returns the files and a titledb that knows every title
// (titles.US.en.json, cnmts.json and versions.json by name), so that the
// whole library can be identified and organized.
func Synthetic(n int, seed uint64) (files []File, tdb map[string][]byte) {
	rng := rand.New(rand.NewPCG(seed, 0xbe4c))
	adjectives := []string{"Crimson", "Hollow", "Silver", "Quiet", "Wandering", "Frozen", "Golden", "Paper", "Hidden", "Electric"}
	nouns := []string{"Harbor", "Lantern", "Orchard", "Comet", "Kingdom", "Garden", "Engine", "Meadow", "Voyage", "Citadel"}
	titles := map[string]any{}
	cnmts := map[string]any{}
	versions := map[string]any{}
	cnmt := func(appID, other string, version, kind int) {
		cnmts[strings.ToLower(appID)] = map[string]any{fmt.Sprint(version): map[string]any{
			"titleType": kind, "otherApplicationId": strings.ToLower(other), "titleId": strings.ToLower(appID), "version": version}}
	}
	for i := uint64(0); len(files) < n; i++ {
		base := 0x0100EE0000000000 + i<<16
		baseID, updateID := hexID(base), hexID(base|0x800)
		name := fmt.Sprintf("%s %s %d", pick(rng, adjectives), pick(rng, nouns), i+1)
		titles[fmt.Sprint(80000000000000+i)] = map[string]any{"id": baseID, "name": name, "nsuId": 80000000000000 + i,
			"iconUrl": "https://example.invalid/" + baseID + ".png"}
		cnmt(baseID, updateID, 0, 128)
		folder := fmt.Sprintf("bulk/%02d/%s", i%50, name)
		files = append(files, placeholder(path.Join(folder, DumpName(name, baseID, 0, pick(rng, []string{".nsp", ".xci", ".nsz"})))))
		if rng.IntN(2) == 0 {
			latest := 65536 * (1 + rng.IntN(4))
			released := map[string]string{}
			for v := 65536; v <= latest; v += 65536 {
				released[fmt.Sprint(v)] = "2024-01-01"
			}
			versions[strings.ToLower(baseID)] = released
			cnmt(updateID, baseID, latest, 129)
			files = append(files, placeholder(path.Join(pick(rng, []string{folder, "updates"}), DumpName(name, updateID, latest, ".nsp"))))
		}
		if rng.IntN(4) == 0 {
			for d := range 1 + rng.IntN(2) {
				dlcID := hexID(base + 0x1000 + uint64(d) + 1)
				dlcName := fmt.Sprintf("%s Extra %d", name, d+1)
				titles[fmt.Sprint(90000000000000+i*10+uint64(d))] = map[string]any{"id": dlcID, "name": dlcName}
				cnmt(dlcID, baseID, 0, 130)
				files = append(files, placeholder(path.Join(folder, "DLC", DumpName(dlcName, dlcID, 0, ".nsp"))))
			}
		}
	}
	files = files[:n]
	tdb = map[string][]byte{}
	for name, v := range map[string]any{titledb.TitlesFile("US", "en"): titles, "cnmts.json": cnmts, "versions.json": versions} {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err) // maps of strings and numbers always encode
		}
		tdb[name] = data
	}
	return files, tdb
}

// Write creates every file under dir (and the folders they need).
func Write(dir string, files []File) error {
	made := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if d := filepath.Dir(p); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// DumpName is how dump tools name a file: "Name [APPID][vVERSION].ext".
func DumpName(name, appID string, version int, ext string) string {
	return fmt.Sprintf("%s [%s][v%d]%s", name, appID, version, ext)
}

// placeholder is a file of a few bytes, unique to its path: enough to
// exist and to be told apart by content, no game data.
func placeholder(p string) File {
	return File{Path: p, Content: []byte("shelf sample placeholder: " + p + "\n")}
}

func hexID(n uint64) string { return fmt.Sprintf("%016X", n) }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// fileSafe drops the characters file names cannot hold.
func fileSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return -1
		}
		return r
	}, name)
}
