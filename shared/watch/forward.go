package watch

import (
	"context"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

// Operations, as the shelf_watcher_events_total op label.
const (
	opAdded   = metrics.OpAdded
	opMoved   = metrics.OpMoved
	opDeleted = metrics.OpDeleted
)

// outgoing is a task to enqueue; op is empty for tasks that are not file events (scans).
type outgoing struct {
	op     string
	params queue.Params
}

func (w *Watcher) forwardAdd(ctx context.Context, path string) {
	root, _ := w.rootOf(path)
	w.enqueue(ctx, outgoing{op: opAdded,
		params: queue.NewParams(pipeline.HandleFileAddedArgs{LibraryPath: root, Filepath: path})})
}

func (w *Watcher) forwardMove(ctx context.Context, src, dest string) {
	root, _ := w.rootOf(dest)
	w.enqueue(ctx, outgoing{op: opMoved,
		params: queue.NewParams(pipeline.HandleFileMovedArgs{LibraryPath: root, Src: src, Dest: dest})})
}

// forwardDelete reports path deleted, unless the organizer caused it.
func (w *Watcher) forwardDelete(ctx context.Context, path string) {
	if w.ignored(ctx, path) {
		w.m.Ignored.Inc()
		return
	}
	root, ok := w.rootOf(path)
	if !ok {
		return
	}
	w.enqueue(ctx, outgoing{op: opDeleted,
		params: queue.NewParams(pipeline.HandleFileDeletedArgs{LibraryPath: root, Filepath: path})})
}

// enqueueScan asks for a full scan of the library root, which reconciles the catalog with the
// folder whatever events were missed.
func (w *Watcher) enqueueScan(ctx context.Context, root string) {
	w.enqueue(ctx, outgoing{params: queue.NewParams(pipeline.ScanLibraryArgs{LibraryPath: root})})
}

// enqueue adds a task, or keeps it (and every later one, to keep their order) for the next
// retry when the database refuses it, e.g. when the disk is full.
func (w *Watcher) enqueue(ctx context.Context, o outgoing) {
	if len(w.outbox) > 0 {
		w.outbox = append(w.outbox, o)
		w.flushOutbox(ctx)
		return
	}
	if !w.send(ctx, o) {
		w.outbox = append(w.outbox, o)
	}
}

// flushOutbox enqueues the kept tasks in order, stopping at the first refusal.
func (w *Watcher) flushOutbox(ctx context.Context) {
	for len(w.outbox) > 0 {
		if !w.send(ctx, w.outbox[0]) {
			return
		}
		w.outbox = w.outbox[1:]
	}
}

func (w *Watcher) send(ctx context.Context, o outgoing) bool {
	res, err := w.q.Enqueue(ctx, o.params)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("cannot enqueue file event; will retry", "task", o.params.Name, "args", o.params.Args, "err", err)
		}
		return false
	}
	if o.op != "" {
		w.m.Events.WithLabelValues(o.op).Inc()
	}
	w.log.Debug("enqueued", "task_id", res.Task.ID, "task", o.params.Name, "args", o.params.Args,
		"deduplicated", res.Deduplicated)
	return true
}

// ignored reports whether an event on path was caused by the organizer. On a database error the
// event is forwarded: a spurious task is harmless (handlers are idempotent), a lost one is not.
func (w *Watcher) ignored(ctx context.Context, path string) bool {
	ok, err := catalog.ConsumeIgnoredEvent(w.db.WithContext(ctx), path)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("cannot check ignored events", "path", path, "err", err)
		}
		return false
	}
	return ok
}
