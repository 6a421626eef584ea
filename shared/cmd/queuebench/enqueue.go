package main

import (
	"context"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

func (b *bench) enqueueSingle() error {
	ctx := context.Background()
	_, q, err := b.open()
	if err != nil {
		return err
	}
	const n = 20_000
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := q.Enqueue(ctx, queue.Params{Name: "echo", Args: map[string]int{"i": i}}); err != nil {
			return err
		}
	}
	b.report("enqueue: single, one transaction each (dedup on)", n/time.Since(start).Seconds(), "tasks/s", "")
	return nil
}

// enqueueBatch times EnqueueMany of 100,000 tasks. With dedup each row also
// goes into the dedup index under a random-looking key (a hash of name and
// args), which is most of the difference between the two figures.
func (b *bench) enqueueBatch(dedup bool) error {
	ctx := context.Background()
	_, q, err := b.open()
	if err != nil {
		return err
	}
	const n = 100_000
	ps := make([]queue.Params, n)
	for i := range ps {
		ps[i] = queue.Params{Name: "echo", Args: map[string]int{"i": i}, NoDedup: !dedup}
	}
	start := time.Now()
	if _, err := q.EnqueueMany(ctx, ps); err != nil {
		return err
	}
	label := "enqueue: batch of 100,000 (dedup off)"
	if dedup {
		label = "enqueue: batch of 100,000 (dedup on)"
	}
	b.report(label, n/time.Since(start).Seconds(), "tasks/s", "")
	return nil
}

// fanout times a handler creating 100,000 children (the Spawn path).
func (b *bench) fanout() error {
	ctx := context.Background()
	_, q, err := b.open()
	if err != nil {
		return err
	}
	if _, err := q.Enqueue(ctx, queue.Params{Name: "fanout",
		Args: map[string]any{"children": 100_000, "child": map[string]any{"name": "noop"}}}); err != nil {
		return err
	}
	tasks, err := q.Claim(ctx, "bench", 1)
	if err != nil {
		return err
	}
	def, _ := q.Registry().Lookup("fanout")
	start := time.Now()
	if err := def.Handler(ctx, q.NewJob(tasks[0], "bench", discardLogger())); err != nil {
		return err
	}
	b.report("fan-out: 100,000 children from one handler", 100_000/time.Since(start).Seconds(), "tasks/s", "")
	return nil
}
