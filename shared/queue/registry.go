package queue

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Handler runs one task. It returns nil on success, an error to retry (with
// backoff, until MaxAttempts), or Permanent(err) to fail without retrying.
// ctx is cancelled when the task is cancelled or the worker shuts down.
type Handler func(ctx context.Context, job *Job) error

// Definition registers a task type.
type Definition struct {
	// Name is the task name used by Enqueue.
	Name string
	// Handler runs the task. Required.
	Handler Handler
	// Continuation, if set, names the task enqueued exactly once when the
	// task's children have all finished (whatever their outcome). It gets
	// ContinuationArgs.
	Continuation string
	// MaxAttempts is the default for tasks of this type. Defaults to the
	// queue's DefaultMaxAttempts.
	MaxAttempts int
	// Every, if set, makes the task periodic: one run per period of the
	// returned interval across all processes; 0 switches it off. It is
	// called again for every period, so it may read live settings.
	Every func() time.Duration
}

// Registry maps task names to definitions. Every process builds the same
// registry (the api needs it to reject unknown names; workers to run them).
type Registry struct {
	mu   sync.RWMutex
	defs map[string]Definition
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{defs: map[string]Definition{}} }

// Register adds d. Registering a name twice or without a handler panics:
// both are programming errors found at start-up.
func (r *Registry) Register(d Definition) {
	if d.Name == "" || d.Handler == nil {
		panic("queue: Register needs a name and a handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.defs[d.Name]; dup {
		panic(fmt.Sprintf("queue: task %q registered twice", d.Name))
	}
	r.defs[d.Name] = d
}

// Lookup returns the definition of name.
func (r *Registry) Lookup(name string) (Definition, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.defs[name]
	return d, ok
}

// Names lists the registered task names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.defs))
	for n := range r.defs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// periodic returns the periodic definitions.
func (r *Registry) periodic() []Definition {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Definition
	for _, d := range r.defs {
		if d.Every != nil {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
