package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/store"
	"github.com/shelfhq/shelf/shared/worker"
)

// registry registers the pipeline with its shipped defaults (the index's
// debounce included: the chain's own last step does not wait for it).
func registry(db *gorm.DB, mgr *settings.Manager, data string, log *slog.Logger) *queue.Registry {
	reg := queue.NewRegistry()
	pipeline.Register(reg, pipeline.Deps{DB: db, Settings: mgr, DataDir: data, Logger: log})
	return reg
}

// runWorker is one worker process: a pool with the settings' slots.
func runWorker() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := store.Open(ctx, os.Getenv("PIPELINEBENCH_DB"), store.Options{})
	if err != nil {
		return err
	}
	defer store.Close(db)
	data := os.Getenv("PIPELINEBENCH_DATA")
	mgr, err := settings.NewManager(filepath.Join(data, "settings.yaml"), log)
	if err != nil {
		return err
	}
	if out := os.Getenv("PIPELINEBENCH_CPUPROFILE"); out != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", out, os.Getpid()))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if out := os.Getenv("PIPELINEBENCH_MEMPROFILE"); out != "" {
		go profileHeapPeaks(ctx, fmt.Sprintf("%s.%d", out, os.Getpid()))
	}
	q := queue.New(db, registry(db, mgr, data, log), queue.Options{})
	pool := worker.New(q, worker.Config{Slots: mgr.Current().Worker.Slots, Logger: log})
	return pool.Run(ctx)
}

// profileHeapPeaks writes a heap profile to out each time the live heap
// grows 10 % past its largest size so far, so the last one written shows
// what the worker held at its peak.
func profileHeapPeaks(ctx context.Context, out string) {
	var peak uint64
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc < peak+peak/10 {
			continue
		}
		peak = ms.HeapAlloc
		runtime.GC()
		if f, err := os.Create(out); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
}
