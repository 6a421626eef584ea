package queue

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownTask is returned when enqueueing a name nobody registered.
	ErrUnknownTask = errors.New("unknown task name")
	// ErrNotFound is returned for an id that matches no task.
	ErrNotFound = errors.New("task not found")
	// ErrInvalidState is returned when an operation doesn't apply to the
	// task's current status (e.g. retrying a completed task).
	ErrInvalidState = errors.New("operation not allowed in the task's status")
	// ErrInvalidArgs is returned when args are not a JSON object or value.
	ErrInvalidArgs = errors.New("invalid task args")
	// ErrLeaseLost is returned when a worker touches a task it no longer holds
	// (its lease expired and another process rescued it).
	ErrLeaseLost = errors.New("task lease lost")
)

// PermanentError marks a failure that retrying cannot fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the task fails at once instead of being retried.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

func unknownTask(name string) error { return fmt.Errorf("%w: %q", ErrUnknownTask, name) }
