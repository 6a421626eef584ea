// Command queuebench measures the queue on this machine as shipped: the real
// shelf-api and shelf-worker binaries with the default settings, driven over
// the REST API (fan-out drain with one and three worker processes, pickup
// latency, an idle worker's CPU and memory), plus the enqueue paths in
// process; each figure beside raw baselines measured in the same run on the
// same disk. Tuned figures are labelled with their settings. `make bench`
// runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/store"
)

func main() {
	dir := flag.String("dir", "", "directory for the database files (default: a temp dir)")
	drainN := flag.Int("drain", 20_000, "tasks for the drain benchmarks")
	only := flag.String("only", "", "run only the benchmark with this name")
	pg := flag.String("postgres", os.Getenv("SHELF_BENCH_POSTGRES_URL"),
		"run on PostgreSQL: a server URL whose user may create databases (default: SQLite files)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "queuebench")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	b := &bench{dir: *dir, drainN: *drainN, postgres: *pg}
	fmt.Printf("backend: %s\n", b.backend())
	for _, r := range []struct {
		name string
		run  func() error
	}{
		{"baseline", b.baseline},
		{"rawloop", b.rawLoop},
		{"drain1", func() error { return b.drain(1) }},
		{"drain3", func() error { return b.drain(3) }},
		{"drain1_tuned", b.drainTuned},
		{"enqueue", b.enqueueSingle},
		{"enqueue_batch", func() error { return b.enqueueBatch(true) }},
		{"enqueue_batch_nodedup", func() error { return b.enqueueBatch(false) }},
		{"fanout", b.fanout},
		{"pickup", b.pickup},
		{"idle", b.idle},
	} {
		if *only != "" && *only != r.name {
			continue
		}
		if err := r.run(); err != nil {
			fatal(fmt.Errorf("%s: %w", r.name, err))
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "queuebench:", err)
	os.Exit(1)
}

func registry() *queue.Registry {
	reg := queue.NewRegistry()
	diagnostic.Register(reg)
	reg.Register(queue.Definition{Name: "noop", Handler: func(context.Context, *queue.Job) error { return nil }})
	return reg
}

type bench struct {
	postgres string
	dir      string
	drainN   int
	bins     string // built service binaries
	seq      int

	txRate         float64 // single-row write transactions per second
	rawRate        float64 // raw insert → claim → complete loop, tasks per second
	oneProcRate    float64 // the fan-out with one worker process
	lastCPUPerTask time.Duration
}

// open returns a fresh database file.
func (b *bench) open() (string, *queue.Queue, error) {
	b.seq++
	path := filepath.Join(b.dir, fmt.Sprintf("bench-%d.db", b.seq))
	if b.postgres != "" {
		var err error
		if path, err = freshPostgres(b.postgres, b.seq); err != nil {
			return "", nil, err
		}
	}
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		return "", nil, err
	}
	return path, queue.New(db, registry(), queue.Options{}), nil
}

// report prints a figure beside the raw loop's rate of the same run.
func (b *bench) report(name string, rate float64, unit string, note string) {
	ratio := ""
	if b.rawRate > 0 && unit == "tasks/s" {
		ratio = fmt.Sprintf("  (%.2f× raw loop)", rate/b.rawRate)
	}
	fmt.Printf("%-52s %9.0f %s%s %s\n", name, rate, unit, ratio, note)
}

func (b *bench) backend() string {
	if b.postgres != "" {
		return "PostgreSQL (" + store.RedactURL(b.postgres) + ")"
	}
	return "SQLite files in " + b.dir
}

func (b *bench) rebind(q string) string {
	if b.postgres != "" {
		return strings.Replace(q, "?", "$1", 1)
	}
	return q
}

// freshPostgres creates database shelf_bench_<pid>_<seq> and returns its URL.
func freshPostgres(admin string, seq int) (string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("shelf_bench_%d_%d", os.Getpid(), seq)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}
