// Command samplelib writes a fake game library that matches shelf's
// embedded sample titledb: small placeholder files named the way real
// dumps are named, scattered over a messy folder layout, plus files shelf
// must ignore or cannot identify. With -n it writes that many files,
// inventing titles beyond the sample, for benchmarks.
//
//	go run ./cmd/samplelib -out ./library [-n 20000] [-seed 1]
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
	"github.com/shelfhq/shelf/shared/titledb"
)

func main() {
	out := flag.String("out", "", "folder to write the library into (created if missing; required)")
	n := flag.Int("n", 0, "number of files to write; 0 writes exactly one file per app of the sample titledb plus a few stray files")
	seed := flag.Uint64("seed", 1, "seed for the layout and the invented titles; the same seed gives the same library")
	flag.Parse()
	if err := run(*out, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "samplelib:", err)
		if errors.Is(err, errUsage) {
			flag.Usage()
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(out string, n int, seed uint64) error {
	if out == "" {
		return fmt.Errorf("%w: -out is required", errUsage)
	}
	if n < 0 {
		return fmt.Errorf("%w: -n is %d, want 0 or more", errUsage, n)
	}
	db, err := titledb.LoadSample()
	if err != nil {
		return err
	}
	files := pipelinetest.Library(db, n, seed)
	// Existing files are overwritten: running the command twice gives the
	// same library.
	if err := pipelinetest.Write(out, files); err != nil {
		return err
	}
	slog.Info("sample library written", "dir", out, "files", len(files), "seed", seed)
	return nil
}
