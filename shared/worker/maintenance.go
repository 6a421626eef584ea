package worker

import (
	"context"
	"math/rand/v2"
	"time"
)

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
