package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/queue"
)

// run runs t's handler on a slot, then the next task claimed ahead on the
// same slot while there is one and the slot is still wanted, and returns
// when the slot has nothing to start.
func (p *Pool) run(t queue.Task, ex *execution) {
	defer p.handlers.Done()
	for {
		out, elapsed := p.execute(t, ex)
		p.mu.Lock()
		delete(p.running, t.ID)
		p.finishing++ // before the send: the completer counts it down
		if p.meanRun == 0 {
			p.meanRun = elapsed
		} else {
			p.meanRun += (elapsed - p.meanRun) / 8
		}
		next, nextEx, ok := p.nextLocked()
		refill := len(p.ahead) <= p.aheadLimitLocked()/2
		busy := len(p.running)
		p.mu.Unlock()
		if m := p.cfg.Metrics; m != nil {
			m.Busy.Set(float64(busy))
		}
		p.outcomes <- out
		if !ok || refill {
			p.signal()
		}
		if !ok {
			return
		}
		t, ex = next, nextEx
	}
}

// execute runs one task's handler and returns its outcome.
func (p *Pool) execute(t queue.Task, ex *execution) (queue.Outcome, time.Duration) {
	job := p.q.NewJob(t, p.cfg.ID, p.log)
	started := time.Now()
	err := p.runHandler(ex.ctx, job)
	elapsed := time.Since(started)
	ex.cancel(nil) // release the context's resources

	out := queue.Outcome{Ref: queue.RefOf(t), Result: job.ResultJSON(), Err: err}
	outcome := metrics.OutcomeCompleted
	switch cause := context.Cause(ex.ctx); {
	case err == nil:
	case errors.Is(cause, errShutdown):
		out.Released, outcome = true, metrics.OutcomeReleased
	case errors.Is(cause, errCancelled):
		out.Cancelled, outcome = true, metrics.OutcomeCancelled
	case queue.IsPermanent(err) || t.Attempts >= t.MaxAttempts:
		outcome = metrics.OutcomeFailed
	default:
		outcome = metrics.OutcomeRetried
	}
	// Built only when it is written: a logger's With costs more than a
	// short task's handler.
	if err != nil && outcome != metrics.OutcomeReleased && outcome != metrics.OutcomeCancelled {
		job.Log.Warn("task failed", "attempt", t.Attempts, "duration", elapsed, "outcome", outcome, "err", err)
	} else if job.Log.Enabled(context.Background(), slog.LevelDebug) {
		job.Log.Debug("task finished", "attempt", t.Attempts, "duration", elapsed, "outcome", outcome)
	}
	if m := p.cfg.Metrics; m != nil {
		m.Processed.WithLabelValues(t.Name, outcome).Inc()
		m.Duration.WithLabelValues(t.Name).Observe(elapsed.Seconds())
	}
	return out, elapsed
}

// runHandler calls the task's handler; a panic fails the task with the
// panic's message instead of killing the worker.
func (p *Pool) runHandler(ctx context.Context, job *queue.Job) (err error) {
	def, ok := p.q.Registry().Lookup(job.Task.Name)
	if !ok {
		return queue.Permanent(fmt.Errorf("no handler registered for %q in this worker", job.Task.Name))
	}
	defer func() {
		if r := recover(); r != nil {
			job.Log.Error("task handler panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return def.Handler(ctx, job)
}
