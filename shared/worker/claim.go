package worker

import (
	"context"
	"slices"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

// claimed is a task claimed ahead of a free slot: running in the database,
// its lease renewed by the heartbeat, not started yet.
type claimed struct {
	task      queue.Task
	at        time.Time
	cancelled bool // cancel requested: the producer records it, the task never starts
}

// produce claims tasks while there are due tasks and room: free slots plus
// the claim-ahead allowance. Slots start their next task from the tasks
// claimed ahead as soon as their handler returns (see run), so the claims
// here only refill; nothing on this path sleeps for a fixed time.
func (p *Pool) produce(ctx context.Context, wake <-chan struct{}) {
	poll := time.NewTicker(p.cfg.PollInterval)
	defer poll.Stop()
	hold := time.NewTimer(p.cfg.AheadHold)
	defer hold.Stop()
	for ctx.Err() == nil {
		p.mu.Lock()
		p.startFreeLocked()
		want := p.wantLocked()
		p.mu.Unlock()
		if want > 0 {
			// The claim must not be cut short by shutdown: an UPDATE …
			// RETURNING interrupted after it committed would leave tasks
			// running with nobody to run them until their lease expired.
			// Tasks claimed as shutdown begins are handed back or run within
			// the grace period.
			tasks, err := p.q.Claim(context.WithoutCancel(ctx), p.cfg.ID, want)
			if err != nil && ctx.Err() == nil {
				p.log.Error("claiming tasks", "err", err)
			}
			p.mu.Lock()
			p.addAheadLocked(tasks, time.Now())
			p.startFreeLocked()
			p.mu.Unlock()
			if len(tasks) == want {
				continue // likely more due: don't wait
			}
		}
		hold.Reset(p.handBack(time.Now()))
		// Under load, every commit of every process wakes the pool; a wake-up
		// that finds no room costs a look at the counters, not a claim, so
		// claims come in batches by themselves.
		select {
		case <-ctx.Done():
		case <-wake:
		case <-p.changed:
		case <-poll.C:
		case <-hold.C:
		}
	}
}

// aheadLimitLocked is how many tasks the pool may hold claimed ahead now:
// ClaimAhead's worth of work for every slot at the recent run time.
func (p *Pool) aheadLimitLocked() int {
	if p.cfg.ClaimAhead < 0 || p.meanRun == 0 {
		return 0 // off, or nothing known yet about how long tasks take
	}
	n := int(time.Duration(p.slots) * p.cfg.ClaimAhead / max(p.meanRun, time.Microsecond))
	return min(n, p.cfg.MaxAhead)
}

// wantLocked is how many tasks to claim now: enough to fill the free slots
// and the claim-ahead allowance, counting every task still held (running,
// claimed ahead, or finished but not recorded yet). It waits until half the
// allowance is used up, so that claims come in batches, unless a slot would
// otherwise stay idle.
func (p *Pool) wantLocked() int {
	if p.stopping {
		return 0
	}
	limit := p.aheadLimitLocked()
	held := len(p.running) + len(p.ahead) + p.finishing
	room := p.slots + limit - held
	if room <= 0 {
		return 0
	}
	slotIdle := len(p.running)+len(p.ahead) < p.slots
	if slotIdle || room >= max(1, limit/2) {
		return min(room, p.cfg.MaxClaim)
	}
	return 0
}

// addAheadLocked keeps newly claimed tasks with the ones claimed before, in
// claim order, so a higher-priority task claimed later starts first.
func (p *Pool) addAheadLocked(tasks []queue.Task, now time.Time) {
	if len(tasks) == 0 {
		return
	}
	for _, t := range tasks {
		p.ahead = append(p.ahead, claimed{task: t, at: now})
	}
	slices.SortStableFunc(p.ahead, func(a, b claimed) int {
		x, y := a.task, b.task
		switch {
		case x.Priority != y.Priority:
			return x.Priority - y.Priority
		case !x.RunAfter.Equal(y.RunAfter):
			return x.RunAfter.Compare(y.RunAfter)
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
}

// nextLocked takes the first task claimed ahead if a slot is free and
// registers it as running.
func (p *Pool) nextLocked() (queue.Task, *execution, bool) {
	if p.stopping || len(p.running) >= p.slots {
		return queue.Task{}, nil, false
	}
	i := slices.IndexFunc(p.ahead, func(c claimed) bool { return !c.cancelled })
	if i < 0 {
		return queue.Task{}, nil, false
	}
	t := p.ahead[i].task
	p.ahead = slices.Delete(p.ahead, i, i+1)
	ctx, cancel := context.WithCancelCause(context.Background())
	ex := &execution{ctx: ctx, cancel: cancel}
	p.running[t.ID] = ex
	if m := p.cfg.Metrics; m != nil {
		m.Busy.Set(float64(len(p.running)))
		due := t.RunAfter
		if t.CreatedAt.After(due) {
			due = t.CreatedAt
		}
		m.Pickup.Observe(max(time.Since(due), 0).Seconds())
	}
	return t, ex, true
}

// startFreeLocked starts tasks claimed ahead on the free slots.
func (p *Pool) startFreeLocked() {
	for {
		t, ex, ok := p.nextLocked()
		if !ok {
			return
		}
		p.handlers.Add(1)
		go p.run(t, ex)
	}
}

// handBack hands tasks claimed ahead that waited AheadHold for a slot back
// to the queue, records those cancelled before they started, and returns how
// long until the next one would be stale. Only the producer calls it (and
// handBackAhead, after the producer stopped), so every outcome it sends
// reaches the completer before the outcome channel closes.
func (p *Pool) handBack(now time.Time) time.Duration {
	p.mu.Lock()
	var out []queue.Outcome
	keep := p.ahead[:0]
	next := p.cfg.AheadHold
	stale := 0
	for _, c := range p.ahead {
		waited := now.Sub(c.at)
		switch {
		case c.cancelled:
			out = append(out, queue.Outcome{Ref: queue.RefOf(c.task), Cancelled: true})
		case waited >= p.cfg.AheadHold:
			out = append(out, queue.Outcome{Ref: queue.RefOf(c.task), Released: true})
			stale++
		default:
			keep = append(keep, c)
			next = min(next, p.cfg.AheadHold-waited)
		}
	}
	clear(p.ahead[len(keep):])
	p.ahead = keep
	p.finishing += len(out)
	if stale > 0 {
		// Tasks take long now: claim no more ahead until runs are fast again.
		p.meanRun = max(p.meanRun, p.cfg.AheadHold)
	}
	p.mu.Unlock()
	if stale > 0 {
		p.log.Debug("handing back tasks claimed ahead that waited too long for a slot", "tasks", stale)
	}
	for _, o := range out {
		p.outcomes <- o
	}
	return next
}

// handBackAhead gives every task claimed ahead back to the queue (on
// shutdown): other workers can start them at once.
func (p *Pool) handBackAhead() {
	p.mu.Lock()
	p.stopping = true
	for i := range p.ahead {
		p.ahead[i].at = time.Time{} // stale now
	}
	n := len(p.ahead)
	p.mu.Unlock()
	if n > 0 {
		p.log.Info("handing back tasks claimed ahead", "tasks", n)
	}
	p.handBack(time.Now())
}

// cancelAheadLocked marks the task id, if it is claimed ahead, as
// cancelled before it started, for the producer to record, and reports
// whether it was there.
func (p *Pool) cancelAheadLocked(id int64) bool {
	for i := range p.ahead {
		if p.ahead[i].task.ID == id {
			p.ahead[i].cancelled = true
			return true
		}
	}
	return false
}

// held is how many tasks this pool holds in the database: running, claimed
// ahead, or finished and not recorded yet. Their leases need renewing.
func (p *Pool) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.running) + len(p.ahead) + p.finishing
}
