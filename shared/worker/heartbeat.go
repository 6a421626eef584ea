package worker

import (
	"context"
	"math/rand/v2"
	"os"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

// heartbeat renews the leases of the tasks this pool holds (running, claimed
// ahead, finished but not yet recorded), passes cancel requests on to their
// handlers (a task cancelled before it started is recorded as cancelled) and keeps this worker's row in the workers table fresh.
func (p *Pool) heartbeat(ctx context.Context) {
	renewEvery := p.q.LeaseTimeout() / 3
	cancelCheck := time.NewTicker(time.Second)
	defer cancelCheck.Stop()
	renew := time.NewTicker(renewEvery)
	defer renew.Stop()
	host, _ := os.Hostname()
	p.report(ctx, host)
	for {
		select {
		case <-ctx.Done():
			return
		case <-cancelCheck.C:
			if p.held() > 0 {
				p.passOnCancels(ctx)
			}
		case <-renew.C:
			if p.held() > 0 {
				if _, err := p.q.RenewLeases(ctx, p.cfg.ID); err != nil && ctx.Err() == nil {
					p.log.Error("renewing leases", "err", err)
				}
			}
			p.report(ctx, host)
		}
	}
}

func (p *Pool) report(ctx context.Context, host string) {
	err := p.q.ReportWorker(ctx, queue.WorkerInfo{ID: p.cfg.ID, Hostname: host, Slots: p.Slots(),
		Busy: p.Busy(), StartedAt: p.startedAt})
	if err != nil && ctx.Err() == nil {
		p.log.Warn("reporting worker heartbeat", "err", err)
	}
}

func (p *Pool) passOnCancels(ctx context.Context) {
	ids, err := p.q.CancelRequested(ctx, p.cfg.ID)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("checking cancel requests", "err", err)
		}
		return
	}
	notStarted := false
	p.mu.Lock()
	for _, id := range ids {
		if ex, ok := p.running[id]; ok && !ex.cancelled {
			ex.cancelled = true
			ex.cancel(errCancelled)
			p.log.Info("cancelling task on request", "task_id", id)
		} else if p.cancelAheadLocked(id) {
			notStarted = true
			p.log.Info("cancelling task on request before it started", "task_id", id)
		}
	}
	p.mu.Unlock()
	if notStarted {
		p.signal() // the producer records them
	}
}

// maintain runs the chores any process may do: rescuing expired leases,
// queueing the next run of periodic tasks and pruning old tasks. Every
// worker does them; they are idempotent, so replicas need no leader.
func (p *Pool) maintain(ctx context.Context) {
	rescueEvery := p.q.LeaseTimeout() / 2
	jitter := func(d time.Duration) time.Duration {
		return d/2 + time.Duration(rand.Int64N(int64(d)))
	}
	rescue := time.NewTimer(time.Second)
	schedule := time.NewTimer(0)
	prune := time.NewTimer(jitter(time.Minute))
	defer rescue.Stop()
	defer schedule.Stop()
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-rescue.C:
			n, err := p.q.RescueExpired(ctx)
			if err != nil && ctx.Err() == nil {
				p.log.Error("rescuing expired leases", "err", err)
			}
			if n > 0 {
				p.log.Warn("rescued tasks of a dead worker", "tasks", n)
				if p.cfg.Metrics != nil {
					p.cfg.Metrics.Rescues.Add(float64(n))
				}
			}
			rescue.Reset(jitter(rescueEvery))
		case <-schedule.C:
			if err := p.q.EnsureScheduled(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("scheduling periodic tasks", "err", err)
			}
			schedule.Reset(jitter(time.Minute))
		case <-prune.C:
			n, err := p.q.Prune(ctx, p.cfg.Retention)
			if err != nil && ctx.Err() == nil {
				p.log.Error("pruning finished tasks", "err", err)
			} else if n > 0 {
				p.log.Info("pruned finished tasks", "tasks", n)
			}
			prune.Reset(jitter(10 * time.Minute))
		}
	}
}
