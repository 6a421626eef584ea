// Package watch turns file events in the library folders into tasks on the queue: a new or
// changed game file becomes handle_file_added once it has stopped changing, a rename becomes
// handle_file_moved and a removal handle_file_deleted. It watches every library folder in the
// settings recursively, follows the settings live, and skips the events the organizer causes
// with its own moves (recorded in the ignored_events table by whichever process made them).
//
// Events are hints, not the truth: the watcher enqueues a scan of each library when it starts,
// and again when the kernel reports lost events, so a missed event is repaired by the scan.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// Options tune a Watcher. The zero value gives the defaults.
type Options struct {
	// Settle is how long a created or modified file must keep its size and modification time
	// before it is forwarded, so that a file being copied is forwarded once, when complete.
	// Defaults to 3 seconds.
	Settle time.Duration
	// MoveWindow is how long the old name of a rename waits for its new name before the rename
	// counts as a delete (the file left the library). Defaults to 1 second.
	MoveWindow time.Duration
	// RetryInterval is how often a library folder that is missing is looked for again, and a
	// task that could not be enqueued is tried again. Defaults to 5 seconds.
	RetryInterval time.Duration
	// Metrics receives the event counts; nil means they are kept but not exported.
	Metrics *metrics.Watcher
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Watcher watches the library folders of one settings manager.
type Watcher struct {
	q        *queue.Queue
	db       *gorm.DB
	settings *settings.Manager
	opts     Options
	log      *slog.Logger
	m        *metrics.Watcher
	ready    chan struct{}

	// The state below belongs to the goroutine in Run.
	fs      *fsnotify.Watcher
	roots   map[string]bool // absolute library folder → being watched (false: missing for now)
	dirs    map[string]struct{}
	files   map[string]fileState // game files the catalog has heard of (found at start or forwarded)
	pending map[string]*settling // game files waiting to stop changing
	renames []*rename            // old names waiting for their new names
	outbox  []outgoing           // tasks that could not be enqueued yet, in order

	mu       sync.Mutex
	watching []string // a copy of dirs for Directories
}

// New returns a watcher that enqueues on q for the library folders in s.
func New(q *queue.Queue, s *settings.Manager, opts Options) *Watcher {
	if opts.Settle <= 0 {
		opts.Settle = 3 * time.Second
	}
	if opts.MoveWindow <= 0 {
		opts.MoveWindow = time.Second
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := opts.Metrics
	if m == nil {
		m = metrics.NewWatcher(prometheus.NewRegistry())
	}
	return &Watcher{
		q: q, db: q.DB(), settings: s, opts: opts, log: opts.Logger, m: m,
		ready: make(chan struct{}),
		roots: map[string]bool{}, dirs: map[string]struct{}{},
		files: map[string]fileState{}, pending: map[string]*settling{},
	}
}

// Ready is closed once the library folders in the settings at start are watched and their
// scans enqueued.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Directories lists the directories under watch, sorted.
func (w *Watcher) Directories() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.watching)
}

// Run watches until ctx is done, then returns nil. Files still settling then are not
// forwarded; the scan at the next start finds them. It returns an error only when the kernel's
// watch cannot be set up or fails.
func (w *Watcher) Run(ctx context.Context) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("starting file watch: %w", err)
	}
	defer fsw.Close()
	w.fs = fsw

	updates, unsubscribe := w.settings.Subscribe()
	defer unsubscribe()
	select {
	case <-ctx.Done():
		return nil
	case s := <-updates:
		w.setLibraries(ctx, s.Library.Paths)
	}
	close(w.ready)

	tick := time.NewTicker(w.tickInterval())
	defer tick.Stop()
	retry := time.NewTicker(w.opts.RetryInterval)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s, ok := <-updates:
			if !ok {
				return nil
			}
			w.setLibraries(ctx, s.Library.Paths)
		case ev, ok := <-fsw.Events:
			if !ok {
				return errors.New("file watch closed")
			}
			w.handle(ctx, ev)
		case err, ok := <-fsw.Errors:
			if !ok {
				return errors.New("file watch closed")
			}
			w.watchError(ctx, err)
		case now := <-tick.C:
			w.forwardSettled(ctx, now)
			w.expireRenames(ctx, now)
		case <-retry.C:
			w.retryMissingLibraries(ctx)
			w.flushOutbox(ctx)
		}
	}
}

// tickInterval is how often settling files and waiting renames are looked at: often enough
// that neither waits much longer than its period.
func (w *Watcher) tickInterval() time.Duration {
	d := min(w.opts.Settle, w.opts.MoveWindow) / 4
	return min(max(d, 10*time.Millisecond), 500*time.Millisecond)
}

// handle dispatches one kernel event.
func (w *Watcher) handle(ctx context.Context, ev fsnotify.Event) {
	path := filepath.Clean(ev.Name)
	if _, ok := w.rootOf(path); !ok {
		return // a late event from a library that was just dropped
	}
	switch {
	case ev.Has(fsnotify.Create):
		w.created(ctx, path)
	case ev.Has(fsnotify.Write):
		w.written(path)
	case ev.Has(fsnotify.Rename):
		w.renamed(ctx, path)
	case ev.Has(fsnotify.Remove):
		w.removed(ctx, path)
	}
	// Chmod alone changes nothing shelf cares about.
}

// watchError handles an error from the kernel watch. Lost events are repaired by scanning.
func (w *Watcher) watchError(ctx context.Context, err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.log.Warn("file events were lost; rescanning the libraries", "err", err)
		for root, watched := range w.roots {
			if watched {
				w.enqueueScan(ctx, root)
			}
		}
		return
	}
	w.log.Warn("file watch error", "err", err)
}

// rootOf returns the library folder that holds path (the innermost one, if they nest).
func (w *Watcher) rootOf(path string) (string, bool) {
	best := ""
	for root := range w.roots {
		if within(path, root) && len(root) > len(best) {
			best = root
		}
	}
	return best, best != ""
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}
