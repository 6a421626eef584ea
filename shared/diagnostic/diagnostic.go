// Package diagnostic registers the built-in tasks every worker runs: echo,
// sleep, fail and fanout. They make the queue testable and measurable from
// outside (REST API, benchmarks, end-to-end tests) without library data.
package diagnostic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shelfhq/shelf/shared/queue"
)

// Task names.
const (
	Echo       = "echo"
	Sleep      = "sleep"
	Fail       = "fail"
	Fanout     = "fanout"
	FanoutDone = "fanout_done"
)

// maxFanout bounds one fanout task's children.
const maxFanout = 1_000_000

// Register adds the diagnostic tasks to reg.
func Register(reg *queue.Registry) {
	// echo takes any object, so its args have no type.
	reg.Register(queue.Definition{Name: Echo, Handler: echo})
	reg.Register(queue.Define(sleep))
	reg.Register(queue.Define(fail))
	reg.Register(queue.Define(fanout, queue.Definition{Continuation: FanoutDone}))
	reg.Register(queue.DefineContinuation(FanoutDone, fanoutDone))
}

// echo returns its args as its result.
func echo(_ context.Context, job *queue.Job) error {
	return job.SetResult(json.RawMessage(job.Task.Args))
}

// SleepArgs are sleep's args.
type SleepArgs struct {
	Seconds float64 `json:"seconds"`
}

func (SleepArgs) Kind() string { return Sleep }

// sleep waits, and stops early when cancelled.
func sleep(ctx context.Context, job *queue.Job, a SleepArgs) error {
	if a.Seconds < 0 || a.Seconds > 86400 {
		return queue.Permanent(fmt.Errorf("sleep: seconds must be between 0 and 86400, got %g", a.Seconds))
	}
	t := time.NewTimer(time.Duration(a.Seconds * float64(time.Second)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return job.SetResult(SleepResult{SleptSeconds: a.Seconds})
	}
}

// SleepResult is sleep's result.
type SleepResult struct {
	SleptSeconds float64 `json:"slept_seconds"`
}

// FailArgs are fail's args.
type FailArgs struct {
	Message   string `json:"message"`
	Permanent bool   `json:"permanent"`
}

func (FailArgs) Kind() string { return Fail }

// fail fails with the given message, permanently if asked.
func fail(_ context.Context, _ *queue.Job, a FailArgs) error {
	if a.Message == "" {
		a.Message = "failed on purpose"
	}
	err := errors.New(a.Message)
	if a.Permanent {
		return queue.Permanent(err)
	}
	return err
}

// FanoutArgs are fanout's args.
type FanoutArgs struct {
	Children int `json:"children"`
	Child    struct {
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	} `json:"child"`
}

func (FanoutArgs) Kind() string { return Fanout }

// fanout creates n children; its continuation records how they ended.
func fanout(ctx context.Context, job *queue.Job, a FanoutArgs) error {
	if a.Children < 0 || a.Children > maxFanout {
		return queue.Permanent(fmt.Errorf("fanout: children must be between 0 and %d, got %d", maxFanout, a.Children))
	}
	if a.Child.Name == "" {
		a.Child.Name = Echo
	}
	if _, ok := job.Queue().Registry().Lookup(a.Child.Name); !ok {
		return queue.Permanent(fmt.Errorf("fanout: unknown child task %q", a.Child.Name))
	}
	const chunk = 10_000
	for done := 0; done < a.Children; done += chunk {
		n := min(chunk, a.Children-done)
		children := make([]queue.Params, n)
		for i := range children {
			children[i] = queue.Params{Name: a.Child.Name, Args: a.Child.Args}
		}
		if err := job.Spawn(ctx, children...); err != nil {
			return err
		}
	}
	return job.SetResult(FanoutResult{Spawned: a.Children})
}

// FanoutResult is fanout's result.
type FanoutResult struct {
	Spawned int `json:"spawned"`
}

// fanoutDone records the fan-out's counts as its result.
func fanoutDone(_ context.Context, job *queue.Job, c queue.Continued[FanoutArgs]) error {
	return job.SetResult(FanoutDoneResult{ParentID: c.ParentID, Children: c.Children})
}

// FanoutDoneResult is fanout_done's result.
type FanoutDoneResult struct {
	ParentID int64          `json:"parent_id"`
	Children queue.Children `json:"children"`
}
