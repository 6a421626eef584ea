package queue

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Periodic tasks need no leader and no cron process. Time is cut into
// periods of the definition's interval (aligned to the unix epoch); the run
// for a period is a row with run_after at the period's start and a unique
// key naming the period. Every process may ask for the next run (at start
// and after each run completes); the unique key lets exactly one row exist.

func periodKey(name string, start time.Time) string {
	return fmt.Sprintf("periodic:%s@%d", name, start.Unix())
}

// nextPeriod is the start of the period after the one containing now.
func nextPeriod(now time.Time, every time.Duration) time.Time {
	return now.Truncate(every).Add(every)
}

func (q *Queue) periodicParams(def Definition) (Params, bool) {
	every := def.Every()
	if every <= 0 {
		return Params{}, false
	}
	start := nextPeriod(q.now(), every)
	return Params{Name: def.Name, RunAfter: start, NoDedup: true, UniqueKey: periodKey(def.Name, start)}, true
}

func (q *Queue) scheduleNext(ctx context.Context, tx *gorm.DB, def Definition) error {
	p, ok := q.periodicParams(def)
	if !ok {
		return nil
	}
	row, err := q.prepare(p, nil)
	if err != nil {
		return err
	}
	_, err = q.insertOrFind(ctx, tx, row)
	return err
}

// EnsureScheduled makes sure every periodic task has its next run queued.
// Workers call it at start and now and then, so a task whose interval was
// switched on in settings starts without a restart.
func (q *Queue) EnsureScheduled(ctx context.Context) error {
	for _, def := range q.registry.periodic() {
		p, ok := q.periodicParams(def)
		if !ok {
			continue
		}
		if _, err := q.Enqueue(ctx, p); err != nil {
			return fmt.Errorf("scheduling %s: %w", def.Name, err)
		}
	}
	return nil
}
