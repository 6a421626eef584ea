package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// startupQuiet is how recently a chain must have started for Startup to
// leave it at that.
const startupQuiet = 10 * time.Minute

// Startup is what a worker process calls once when it starts: it records the
// libraries of s in the catalog and starts the chain, unless an
// update_titledb is already pending, running or finished less than ten
// minutes ago, so N replicas starting together (or restarting in a loop)
// run the chain once. The check and the enqueue are two statements; two
// replicas racing through the gap enqueue one task anyway while it is
// pending (dedup), and at worst two chains run one after the other, which
// idempotent handlers make harmless.
func Startup(ctx context.Context, q *queue.Queue, s settings.Settings) error {
	db := q.DB().WithContext(ctx)
	for _, p := range s.Library.Paths {
		root, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("startup: library %s: %w", p, err)
		}
		if _, err := catalog.EnsureLibrary(db, root); err != nil {
			return fmt.Errorf("startup: %w", err)
		}
	}
	for _, st := range []queue.Status{queue.StatusRunning, queue.StatusWaitingForChildren, queue.StatusCompleted} {
		recent, _, err := q.List(ctx, queue.Filter{Status: st, Name: UpdateTitleDB, Limit: 1})
		if err != nil {
			return fmt.Errorf("startup: %w", err)
		}
		if len(recent) == 0 {
			continue
		}
		if st != queue.StatusCompleted || (recent[0].FinishedAt != nil && time.Since(*recent[0].FinishedAt) < startupQuiet) {
			return nil
		}
	}
	if _, err := q.Enqueue(ctx, queue.NewParams(UpdateTitleDBArgs{})); err != nil {
		return fmt.Errorf("startup: %w", err)
	}
	return nil
}

// follow enqueues the next step of a chain from job. The unique key makes a
// retried job find the follow-up its earlier attempt queued; the default
// dedup key merges it with the same step of another chain while pending.
func follow(ctx context.Context, job *queue.Job, args queue.Args) error {
	name := args.Kind()
	canonical, err := queue.CanonicalArgs(args)
	if err != nil {
		return fmt.Errorf("enqueueing %s after %s: %w", name, job.Task.Name, err)
	}
	_, err = job.Queue().Enqueue(ctx, queue.Params{Name: name, Args: json.RawMessage(canonical),
		UniqueKey: fmt.Sprintf("after:%d:%s", job.Task.ID, queue.DefaultDedupKey(name, canonical))})
	if err != nil {
		return fmt.Errorf("enqueueing %s after %s: %w", name, job.Task.Name, err)
	}
	return nil
}

// enqueue adds a follow-up that is not a chain step (per file or per
// title); its default dedup key merges repeats while one is pending.
func enqueue(ctx context.Context, job *queue.Job, args queue.Args) error {
	if _, err := job.Queue().Enqueue(ctx, queue.NewParams(args)); err != nil {
		return fmt.Errorf("enqueueing %s after %s: %w", args.Kind(), job.Task.Name, err)
	}
	return nil
}

// inFanOut reports whether job is a child of a fan-out task, whose chain
// does the per-file and per-title follow-ups for all files at once.
func inFanOut(job *queue.Job) bool { return job.Task.ParentID != nil }

// generateKey is the fixed dedup key of generate_library: whoever asks,
// one pending generation absorbs the request.
const generateKey = "generate_library"

// generateParams enqueue generate_library due in delay under its fixed key.
func generateParams(delay time.Duration) queue.Params {
	p := queue.NewParams(GenerateLibraryArgs{})
	p.Delay, p.DedupKey = delay, generateKey
	return p
}

// requestIndex asks for generate_library, debounced. Exactly:
//
//   - With no generate_library pending, it enqueues one due in delay.
//   - With one pending, it moves that one's run time to now+delay, but never
//     later than maxWait after the pending one was created, so a burst of
//     file events yields one generation delay after the last event, and an
//     endless stream still yields one every maxWait.
//   - With delay 0 (the chain's own last step, see requestIndexNow), the
//     pending one is moved to now: it runs as soon as a slot is free.
//   - A generate_library already running does not absorb the request (the
//     queue's rule): a new pending one is queued behind it, so a change made
//     while the index is being written is never left out of it.
func requestIndex(ctx context.Context, q *queue.Queue, delay, maxWait time.Duration) error {
	for range 5 {
		res, err := q.Enqueue(ctx, generateParams(delay))
		if err != nil {
			return fmt.Errorf("requesting the library index: %w", err)
		}
		if !res.Deduplicated {
			return nil
		}
		want := time.Now().Add(delay)
		if limit := res.Task.CreatedAt.Add(maxWait); want.After(limit) {
			want = limit
		}
		// Small moves later are not worth a write (a burst asks many times a
		// second); a move earlier is what a request without delay is for.
		if d := want.Sub(res.Task.RunAfter); d >= 0 && d < 250*time.Millisecond {
			return nil
		}
		_, err = q.Reschedule(ctx, res.Task.ID, want, nil)
		if errors.Is(err, queue.ErrInvalidState) || errors.Is(err, queue.ErrNotFound) {
			continue // claimed meanwhile: the next enqueue queues one behind it
		}
		if err != nil {
			return fmt.Errorf("postponing the library index: %w", err)
		}
		return nil
	}
	return errors.New("requesting the library index: the pending generation kept changing hands")
}

// requestIndex asks for the index after GenerateDelay: the watcher's events
// come in bursts, and one generation after the burst is enough.
func (t *tasks) requestIndex(ctx context.Context, job *queue.Job) error {
	return requestIndex(ctx, job.Queue(), t.GenerateDelay, t.GenerateMaxWait)
}

// requestIndexNow asks for the index at once: the chain's last step, which
// has just done every file at once and has nothing to wait for.
func (t *tasks) requestIndexNow(ctx context.Context, job *queue.Job) error {
	return requestIndex(ctx, job.Queue(), 0, t.GenerateMaxWait)
}
