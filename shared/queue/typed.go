package queue

import (
	"context"
	"encoding/json"
	"fmt"
)

// Args are a task's arguments as a Go type. Kind is the task's registered
// name, so the name travels with the type: NewParams needs no name, and a
// handler defined with Define receives its args already decoded. Args
// encode to a JSON object (a struct, usually with json tags).
type Args interface {
	Kind() string
}

// NewParams returns the Params that enqueue args as a task of their kind.
// Set the other fields (Delay, Priority, DedupKey, …) on the result.
func NewParams(args Args) Params { return Params{Name: args.Kind(), Args: args} }

// Define returns the definition of the task that A names: Name is A's Kind
// and the handler gets the task's args decoded into A (unknown fields are a
// permanent error: bad args never fix themselves). base, if given, supplies
// the other fields (Continuation, MaxAttempts, Every).
func Define[A Args](h func(ctx context.Context, job *Job, args A) error, base ...Definition) Definition {
	var zero A
	d := Definition{}
	if len(base) > 0 {
		d = base[0]
	}
	d.Name = zero.Kind()
	d.Handler = func(ctx context.Context, job *Job) error {
		var args A
		if err := job.bind(&args); err != nil {
			return err
		}
		return h(ctx, job, args)
	}
	return d
}

// Continued is what a continuation's handler receives: how its parent's
// children ended, and the parent's own args decoded into P.
type Continued[P Args] struct {
	ParentID   int64
	ParentName string
	Parent     P
	Children   Children
}

// DefineContinuation returns the definition of the continuation name of
// tasks whose args are P (the parent's definition names it in
// Continuation). The handler gets the parent's args decoded.
func DefineContinuation[P Args](name string, h func(ctx context.Context, job *Job, c Continued[P]) error) Definition {
	return Definition{Name: name, Handler: func(ctx context.Context, job *Job) error {
		var c ContinuationArgs
		if err := job.bind(&c); err != nil {
			return err
		}
		out := Continued[P]{ParentID: c.ParentID, ParentName: c.ParentName, Children: c.Children}
		if len(c.ParentArgs) > 0 {
			if err := json.Unmarshal(c.ParentArgs, &out.Parent); err != nil {
				return Permanent(fmt.Errorf("%w: the args of %s's parent %s: %v", ErrInvalidArgs, name, c.ParentName, err))
			}
		}
		return h(ctx, job, out)
	}}
}
