package worker

import (
	"context"
	"os"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

// heartbeat renews the leases of the tasks this pool holds (running, claimed
// ahead, finished but not yet recorded), passes cancel requests on to their
// handlers (a task cancelled before it started is recorded as cancelled)
// and keeps this worker's row in the workers table fresh.
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
