// Command pipelinebench measures the library pipeline end to end with the
// shipped defaults: it writes a library of placeholder game files named as
// dump tools name them ("Name [0100…0000][v0].nsp", invented titles, all
// known to a title database it serves itself), runs the full chain
// (update_titledb, scan, identify, missing apps, titles, organize, index)
// with worker processes (this binary re-executed), once on the new library
// (the first scan) and once more on the unchanged one (the rescan), and
// prints files per second beside a plain filepath.WalkDir + stat of the same
// tree, the raw baseline of the same run.
//
//	go run ./cmd/pipelinebench [-n 10000] [-procs 1,2] [-organizer off,on] [-slots 0]
//	    [-postgres postgres://shelf:shelf@127.0.0.1:5432/shelf]
//
// -postgres (or SHELF_BENCH_POSTGRES_URL) runs on a fresh PostgreSQL database
// created on that server (and dropped after) instead of a SQLite file.
// PIPELINEBENCH_CPUPROFILE=prefix writes each worker's CPU profile to
// prefix.<pid>; PIPELINEBENCH_MEMPROFILE=prefix writes each worker's heap
// profile at its largest live heap to prefix.<pid> (go tool pprof -sample_index=inuse_space).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/pipeline/pipelinetest"
)

func main() {
	if os.Getenv("PIPELINEBENCH_ROLE") == "worker" {
		if err := runWorker(); err != nil {
			fmt.Fprintln(os.Stderr, "pipelinebench worker:", err)
			os.Exit(1)
		}
		return
	}
	var c config
	flag.IntVar(&c.files, "n", 10000, "number of files in the library")
	procs := flag.String("procs", "1,2", "comma-separated numbers of worker processes to measure")
	organizer := flag.String("organizer", "off,on", "organizer settings to measure: off, on or both")
	flag.IntVar(&c.slots, "slots", 0, "slots per worker process; 0 keeps the shipped default (number of CPUs)")
	flag.StringVar(&c.postgres, "postgres", os.Getenv("SHELF_BENCH_POSTGRES_URL"),
		"a PostgreSQL server URL to run on (a fresh database per run) instead of SQLite")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary folders")
	flag.Parse()
	if err := run(c, *procs, *organizer); err != nil {
		fmt.Fprintln(os.Stderr, "pipelinebench:", err)
		os.Exit(1)
	}
}

type config struct {
	files    int
	slots    int
	postgres string
	keep     bool
	apiBin   string // shelf-api, built by run
}

func run(c config, procList, organizerList string) error {
	files, tdb := pipelinetest.Synthetic(c.files, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := tdb[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, path.Base(r.URL.Path), time.Unix(1700000000, 0), bytes.NewReader(data))
	}))
	defer srv.Close()
	bins, err := os.MkdirTemp("", "pipelinebench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	if c.apiBin, err = buildAPI(bins); err != nil {
		return err
	}
	var organizer []bool
	for _, field := range strings.Split(organizerList, ",") {
		switch strings.TrimSpace(field) {
		case "off":
			organizer = append(organizer, false)
		case "on":
			organizer = append(organizer, true)
		default:
			return fmt.Errorf("-organizer: %q is neither off nor on", field)
		}
	}
	ctx := context.Background()
	for _, field := range strings.Split(procList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || k < 1 {
			return fmt.Errorf("-procs: %q is not a positive number", field)
		}
		for _, on := range organizer {
			r, err := measure(ctx, c, files, srv.URL, k, on)
			if err != nil {
				return err
			}
			r.print(c)
		}
	}
	return nil
}
