package servicetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/queue"
)

// The queue's promises as seen from outside, checked by every test that runs the real services
// (the chaos soak on processes, the end-to-end test on containers) in one wording.

// CheckFanIn checks the fan-in promise over tasks, which must hold every child and every
// continuation of the parents among them: a parent that completed and names a continuation has
// exactly one, no parent has two, and each continuation was created after every child of its
// parent had finished. Every broken promise is in the error.
func CheckFanIn(tasks []queue.Task) error {
	children := map[int64][]queue.Task{}
	continuations := map[int64][]queue.Task{}
	for _, t := range tasks {
		if t.ParentID != nil {
			children[*t.ParentID] = append(children[*t.ParentID], t)
		}
		if parent, ok := continuationOf(t); ok {
			continuations[parent] = append(continuations[parent], t)
		}
	}
	var errs []error
	for _, t := range tasks {
		if t.Continuation != "" && t.Status == queue.StatusCompleted && len(continuations[t.ID]) != 1 {
			errs = append(errs, fmt.Errorf("task %d (%s) completed with %d continuations, want exactly 1",
				t.ID, t.Name, len(continuations[t.ID])))
		}
	}
	for _, parent := range sortedKeys(continuations) {
		conts := continuations[parent]
		if len(conts) > 1 {
			errs = append(errs, fmt.Errorf("parent %d has %d continuations (%s), want 1", parent, len(conts), ids(conts)))
		}
		for _, cont := range conts {
			for _, child := range children[parent] {
				if child.FinishedAt == nil || child.FinishedAt.After(cont.CreatedAt) {
					errs = append(errs, fmt.Errorf("continuation %d of %d was created at %s, before child %d finished (%v)",
						cont.ID, parent, cont.CreatedAt.Format(time.RFC3339Nano), child.ID, child.FinishedAt))
					break
				}
			}
		}
	}
	return errors.Join(errs...)
}

// continuationOf names the parent of a continuation: a task named <parent's name>_done whose
// args are queue.ContinuationArgs.
func continuationOf(t queue.Task) (int64, bool) {
	if !strings.HasSuffix(t.Name, "_done") {
		return 0, false
	}
	var a queue.ContinuationArgs
	if json.Unmarshal(t.Args, &a) != nil || a.ParentID == 0 {
		return 0, false
	}
	return a.ParentID, true
}

// CheckFanoutCompleted checks a finished diagnostic fan-out of n children through the api: the
// parent completed with counters n/n and none failed, the api lists n children all completed,
// and its fanout_done continuation ran exactly once (waiting up to a minute for it to finish).
// It returns the children, for checks of who ran them.
func CheckFanoutCompleted(ctx context.Context, c *API, parent int64, n int) ([]queue.Task, error) {
	got, err := c.Task(ctx, parent)
	if err != nil {
		return nil, err
	}
	p := got.Task
	if p.Status != queue.StatusCompleted {
		return nil, fmt.Errorf("parent %d is %s, not completed: children %+v, error %q", parent, p.Status, p.Children, p.Error)
	}
	if p.Children.Total != n || p.Children.Completed != n || p.Children.Failed != 0 {
		return nil, fmt.Errorf("parent %d counters %+v, want %d completed, 0 failed", parent, p.Children, n)
	}
	kids, err := c.Children(ctx, parent, "")
	if err != nil {
		return nil, fmt.Errorf("listing the children of %d: %w", parent, err)
	}
	byStatus := CountByStatus(kids)
	if len(kids) != n || byStatus[queue.StatusCompleted] != n {
		return kids, fmt.Errorf("children of %d listed: %v, want %d completed", parent, byStatus, n)
	}
	var conts []queue.Task
	deadline := time.Now().Add(time.Minute)
	for {
		if conts, err = Continuations(ctx, c, parent); err != nil {
			return kids, err
		}
		if len(conts) > 0 && CountByStatus(conts)[queue.StatusCompleted] == len(conts) {
			break
		}
		if time.Now().After(deadline) {
			return kids, fmt.Errorf("the continuation of %d did not complete within a minute: %v", parent, CountByStatus(conts))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// A duplicate would be enqueued by a second "last" child finishing at about the same time;
	// a second look gives it that time to show.
	time.Sleep(time.Second)
	if conts, err = Continuations(ctx, c, parent); err != nil {
		return kids, err
	}
	all := append(append([]queue.Task{p}, kids...), conts...)
	if err := CheckFanIn(all); err != nil {
		return kids, err
	}
	if len(conts) != 1 {
		return kids, fmt.Errorf("%d fanout_done tasks for parent %d, want exactly 1", len(conts), parent)
	}
	return kids, nil
}

// Continuations lists the fanout_done tasks whose args name parent.
func Continuations(ctx context.Context, c *API, parent int64) ([]queue.Task, error) {
	all, err := c.AllTasks(ctx, TaskQuery{Name: diagnostic.FanoutDone})
	if err != nil {
		return nil, err
	}
	var out []queue.Task
	for _, t := range all {
		if p, ok := continuationOf(t); ok && p == parent {
			out = append(out, t)
		}
	}
	return out, nil
}

// CountByStatus counts tasks by status.
func CountByStatus(tasks []queue.Task) map[queue.Status]int {
	out := map[queue.Status]int{}
	for _, t := range tasks {
		out[t.Status]++
	}
	return out
}

func ids(tasks []queue.Task) string {
	s := make([]string, len(tasks))
	for i, t := range tasks {
		s[i] = fmt.Sprint(t.ID)
	}
	return strings.Join(s, ", ")
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
