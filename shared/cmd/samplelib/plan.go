package main

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strings"

	"github.com/shelfhq/shelf/shared/titledb"
)

// libraryFile is one file to write, with a slash-separated path relative to
// the library folder.
type libraryFile struct {
	path    string
	content []byte
}

// strays are files a real library collects that shelf must skip: game files
// without an id in their name, and files that are not games at all.
var strays = []string{
	"random backup.nsp",
	"Switch/untitled game.xci",
	"readme.txt",
	"Switch/covers/cover.jpg",
}

// plan lists the files of a library. n == 0 gives one file per base game,
// latest update and DLC of the sample titledb, plus the strays; n > 0 gives
// exactly n files: that set first, then invented titles.
func plan(db *titledb.DB, n int, seed uint64) []libraryFile {
	rng := rand.New(rand.NewPCG(seed, 0x5e1f))
	files := sampleFiles(db, rng)
	for _, p := range strays {
		files = append(files, placeholder(p))
	}
	if n == 0 {
		return files
	}
	if n <= len(files) {
		return files[:n]
	}
	return append(files, inventedFiles(n-len(files), rng)...)
}

// sampleFiles names each app of the sample titledb the way dump tools do,
// "Name [APPID][vVERSION].ext", and scatters them over folders as people
// do: some loose at the root, some in per-game folders, updates and DLC
// sometimes apart from their game.
func sampleFiles(db *titledb.DB, rng *rand.Rand) []libraryFile {
	gameFolders := []string{"", "", "Switch", "Switch/Games", "new stuff/unsorted"}
	var files []libraryFile
	for _, title := range db.Titles() {
		if kind, _, _ := db.AppType(title.ID, 0); kind != titledb.KindBase {
			continue
		}
		name := fileSafe(title.Name)
		folder := pick(rng, gameFolders)
		if folder != "" && rng.IntN(2) == 0 {
			folder += "/" + name
		}
		ext := pick(rng, []string{".nsp", ".nsp", ".xci", ".nsz"})
		files = append(files, placeholder(path.Join(folder, dumpName(name, title.ID, 0, ext))))

		if latest, ok := db.LatestVersion(title.ID); ok {
			updateFolder := pick(rng, []string{folder, "updates", "Switch/Updates"})
			ext := pick(rng, []string{".nsp", ".nsz"})
			files = append(files, placeholder(path.Join(updateFolder, dumpName(name, title.ID[:13]+"800", latest, ext))))
		}
		for _, dlcID := range db.DLCs(title.ID) {
			dlcName := name + " DLC"
			if dlc, ok := db.Title(dlcID); ok && dlc.Name != "" {
				dlcName = fileSafe(dlc.Name)
			}
			version := 0
			if versions := db.DLCVersions(dlcID); len(versions) > 0 {
				version = versions[len(versions)-1]
			}
			dlcFolder := pick(rng, []string{folder, "DLC", "DLC/" + name})
			files = append(files, placeholder(path.Join(dlcFolder, dumpName(dlcName, dlcID, version, ".nsp"))))
		}
	}
	return files
}

var (
	adjectives = []string{"Crimson", "Hollow", "Silver", "Quiet", "Wandering", "Frozen", "Golden", "Paper", "Hidden", "Electric", "Velvet", "Ancient"}
	nouns      = []string{"Harbor", "Lantern", "Orchard", "Comet", "Kingdom", "Garden", "Engine", "Meadow", "Voyage", "Citadel", "Canyon", "Reef"}
)

// inventedFiles makes count files for titles that are not in any titledb.
// Their ids start 0100FF, which the sample never uses, and count up so they
// never collide; each title gets a base file and sometimes an update and
// DLC, nested two folders deep as large libraries tend to be.
func inventedFiles(count int, rng *rand.Rand) []libraryFile {
	files := make([]libraryFile, 0, count)
	for i := uint64(0); len(files) < count; i++ {
		base := 0x0100FF0000000000 + i<<16
		name := fmt.Sprintf("%s %s %d", pick(rng, adjectives), pick(rng, nouns), i+1)
		folder := fmt.Sprintf("bulk/%02d/%s", i%50, name)
		apps := []libraryFile{placeholder(path.Join(folder, dumpName(name, hexID(base), 0, pick(rng, []string{".nsp", ".xci", ".nsz"}))))}
		if rng.IntN(2) == 0 {
			version := 65536 * (1 + rng.IntN(6))
			apps = append(apps, placeholder(path.Join(folder, dumpName(name, hexID(base|0x800), version, ".nsp"))))
		}
		if rng.IntN(4) == 0 {
			for d := range 1 + rng.IntN(3) {
				dlcID := hexID(base + 0x1000 + uint64(d) + 1)
				apps = append(apps, placeholder(path.Join(folder, "DLC", dumpName(fmt.Sprintf("%s DLC %d", name, d+1), dlcID, 0, ".nsp"))))
			}
		}
		files = append(files, apps[:min(len(apps), count-len(files))]...)
	}
	return files
}

func hexID(n uint64) string { return fmt.Sprintf("%016X", n) }

func dumpName(name, appID string, version int, ext string) string {
	return fmt.Sprintf("%s [%s][v%d]%s", name, appID, version, ext)
}

// placeholder is a file of a few bytes: enough to exist and differ, no
// game data.
func placeholder(p string) libraryFile {
	return libraryFile{path: p, content: []byte("shelf sample placeholder: " + path.Base(p) + "\n")}
}

// fileSafe replaces the characters that Windows and Samba shares refuse in
// file names, as dump tools do.
func fileSafe(name string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"/\|?*`, r) || r < 0x20 {
			return ' '
		}
		return r
	}, name)), " ")
}

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }
