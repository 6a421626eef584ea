package worker

import (
	"context"
	"errors"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

// complete records outcomes. It takes whatever outcomes are waiting and
// writes them in one transaction: one at a time when the system is quiet,
// hundreds per commit under load. It returns when outcomes is closed.
func (p *Pool) complete(ctx context.Context) {
	batch := make([]queue.Outcome, 0, 512)
	for first := range p.outcomes {
		batch = append(batch[:0], first)
	more:
		for len(batch) < cap(batch) {
			select {
			case o, ok := <-p.outcomes:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		p.finish(ctx, batch)
	}
}

func (p *Pool) finish(ctx context.Context, batch []queue.Outcome) {
	for {
		errs, err := p.q.Finish(ctx, batch)
		if err == nil {
			for i, e := range errs {
				if errors.Is(e, queue.ErrLeaseLost) {
					p.log.Warn("task outcome dropped: lease lost to a rescue", "task_id", batch[i].Ref.ID,
						"task_name", batch[i].Ref.Name)
				}
			}
			break
		}
		// The database is unreachable (disk full, …): keep the outcomes
		// and try again; the leases are still renewed meanwhile.
		p.log.Error("recording task outcomes", "err", err, "tasks", len(batch))
		select {
		case <-ctx.Done():
			p.recorded(len(batch))
			return
		case <-time.After(time.Second):
		}
	}
	p.recorded(len(batch))
}

// recorded counts n outcomes as no longer held and lets the producer claim
// in their place.
func (p *Pool) recorded(n int) {
	p.mu.Lock()
	p.finishing -= n
	p.mu.Unlock()
	p.signal()
}
