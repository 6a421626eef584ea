package worker

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/queue"
)

// execute runs one task's handler and queues its outcome.
func (p *Pool) execute(ctx context.Context, t queue.Task, ex *execution) {
	job := p.q.NewJob(t, p.cfg.ID, p.log)
	started := time.Now()
	err := p.runHandler(ctx, job)
	elapsed := time.Since(started)

	out := queue.Outcome{Ref: queue.RefOf(t), Result: job.ResultJSON(), Err: err}
	outcome := metrics.OutcomeCompleted
	switch cause := context.Cause(ctx); {
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
	log := job.Log.With("attempt", t.Attempts, "duration", elapsed, "outcome", outcome)
	if err != nil && outcome != metrics.OutcomeReleased && outcome != metrics.OutcomeCancelled {
		log.Warn("task failed", "err", err)
	} else {
		log.Debug("task finished")
	}
	if m := p.cfg.Metrics; m != nil {
		m.Processed.WithLabelValues(t.Name, outcome).Inc()
		m.Duration.WithLabelValues(t.Name).Observe(elapsed.Seconds())
	}
	p.outcomes <- out
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
