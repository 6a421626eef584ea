// Command identifybench measures how fast game files are identified: by
// their content (the cnmt of each meta NCA, decrypted with keys) and by
// their names, over the same generated library. The files are NSP, NSZ,
// XCI and XCZ written by contenttest with random test keys, a quarter of
// them multi-content; content identification reads their headers only, and
// the bytes read per file are counted to show it.
//
//	go run ./shared/cmd/identifybench [-n 2000] [-rounds 3]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/shelfhq/shelf/shared/content"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/keys"
)

func main() {
	n := flag.Int("n", 2000, "number of files")
	rounds := flag.Int("rounds", 3, "passes over the files; the best is reported")
	flag.Parse()
	if err := run(*n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "identifybench:", err)
		os.Exit(1)
	}
}

func run(n, rounds int) error {
	dir, err := os.MkdirTemp("", "identifybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ks, paths, size, err := writeLibrary(dir, n)
	if err != nil {
		return err
	}
	fmt.Printf("identification of %d generated files (%.1f MB; NSP, NSZ, XCI, XCZ; a quarter multi-content)\n",
		n, float64(size)/1e6)

	var bytesRead atomic.Int64
	byContent := func(path string) (int, error) {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		res, err := content.Identify(countingReader{f, &bytesRead}, st.Size(), ks)
		if err != nil {
			return 0, err
		}
		if res.Method != content.MethodCnmt {
			return 0, fmt.Errorf("%s: not identified by content: %v", path, res.ContentErr)
		}
		return len(res.Apps), nil
	}
	byName := func(path string) (int, error) {
		res, err := identify.FilenameIdentifier{}.Identify(context.Background(), path, nil)
		return len(res.Apps), err
	}
	for _, m := range []struct {
		name string
		fn   func(string) (int, error)
	}{{"content (cnmt, with keys)", byContent}, {"file name", byName}} {
		bytesRead.Store(0)
		best, apps, err := measure(paths, rounds, m.fn)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("  %-26s %9.0f files/s  (%d apps per pass)", m.name, float64(n)/best.Seconds(), apps)
		if read := bytesRead.Load(); read > 0 {
			line += fmt.Sprintf(", %.1f KB read per file", float64(read)/float64(n*rounds)/1e3)
		}
		fmt.Println(line)
	}
	return nil
}

// measure runs fn over every path rounds times and returns the best pass.
func measure(paths []string, rounds int, fn func(string) (int, error)) (time.Duration, int, error) {
	best := time.Duration(1<<63 - 1)
	apps := 0
	for range rounds {
		start := time.Now()
		apps = 0
		for _, p := range paths {
			k, err := fn(p)
			if err != nil {
				return 0, 0, err
			}
			apps += k
		}
		best = min(best, time.Since(start))
	}
	return best, apps, nil
}

// writeLibrary writes n files named "<name> [<id>][v<version>].<ext>" and
// returns the keys that read them.
func writeLibrary(dir string, n int) (*keys.Set, []string, int64, error) {
	rng := rand.New(rand.NewPCG(2026, 12))
	k := contenttest.NewKeys(rng, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	ks, err := keys.Parse(k.Text())
	if err != nil {
		return nil, nil, 0, err
	}
	enc := &contenttest.Encoder{Keys: k, Rand: rng}
	writers := []struct {
		ext   string
		write func(...contenttest.App) []byte
	}{{"nsp", enc.NSP}, {"nsz", enc.NSZ}, {"xci", enc.XCI}, {"xcz", enc.XCZ}}
	var paths []string
	var total int64
	for i := range n {
		id := 0x0100000000000000 | uint64(i+1)<<16
		apps := []contenttest.App{{ID: id, Type: contenttest.Application, Generation: i % 11}}
		switch i % 4 {
		case 1:
			apps = []contenttest.App{{ID: id | 0x800, BaseID: id, Type: contenttest.Patch, Version: 1 << 16, Generation: i % 11}}
		case 3:
			apps = append(apps, contenttest.App{ID: id | 0x800, BaseID: id, Type: contenttest.Patch, Version: 2 << 16, Generation: 10},
				contenttest.App{ID: id + 0x1001, BaseID: id, Type: contenttest.AddOn, Generation: 3})
		}
		w := writers[i%len(writers)]
		data := w.write(apps...)
		path := filepath.Join(dir, fmt.Sprintf("Game %d [%016X][v%d].%s", i, apps[0].ID, apps[0].Version, w.ext))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, nil, 0, err
		}
		paths = append(paths, path)
		total += int64(len(data))
	}
	return ks, paths, total, nil
}

// countingReader counts the bytes content identification reads.
type countingReader struct {
	r io.ReaderAt
	n *atomic.Int64
}

func (c countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}
