package main

import (
	"fmt"
	"time"
)

// fanoutREST is the drain as a user sees it: POST /api/tasks of a fanout
// task with b.drainN echo children, to the real api, run by procs real
// worker processes, timed until GET /api/tasks/{id} says the parent
// completed (its last child done). settings empty means the shipped
// defaults. It returns children per second.
func (b *bench) fanoutREST(procs int, settings string) (float64, error) {
	s, err := b.startStack(procs, settings)
	if err != nil {
		return 0, err
	}
	defer s.stop()
	cpu0 := s.workerCPU()
	start := time.Now()
	parent, err := s.post("fanout", map[string]any{"children": b.drainN})
	if err != nil {
		return 0, err
	}
	for {
		t, err := s.get(parent.ID)
		if err != nil {
			return 0, err
		}
		if t.Status == "completed" {
			break
		}
		if t.Status.Finished() {
			return 0, fmt.Errorf("the fan-out ended %s: %s", t.Status, t.Error)
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("the fan-out of %d is not done after 5 minutes (%d done)", b.drainN, t.Children.Done())
		}
		// Not faster: GET /api/tasks/{id} counts the parent's children by
		// status, and the api shares the cores with the workers.
		time.Sleep(25 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := s.workerCPU() - cpu0
	b.lastCPUPerTask = cpu / time.Duration(b.drainN)
	return float64(b.drainN) / elapsed.Seconds(), nil
}

func (b *bench) drain(procs int) error {
	rate, err := b.fanoutREST(procs, "")
	if err != nil {
		return err
	}
	note := fmt.Sprintf("[worker CPU %s/task]", b.lastCPUPerTask.Round(time.Microsecond))
	if procs == 1 {
		b.oneProcRate = rate
	} else if b.oneProcRate > 0 {
		note = fmt.Sprintf("(%.2f× of 1 process) %s", rate/b.oneProcRate, note)
	}
	b.report(fmt.Sprintf("fan-out of %d via REST, defaults, %d worker(s)", b.drainN, procs), rate, "tasks/s", note)
	return nil
}

// drainTuned is the same fan-out with many slots per worker, for
// comparison with the defaults: a tuned figure, labelled as such.
func (b *bench) drainTuned() error {
	rate, err := b.fanoutREST(1, "worker:\n  slots: 64\n")
	if err != nil {
		return err
	}
	b.report(fmt.Sprintf("tuned: the same, worker.slots 64, 1 worker"), rate, "tasks/s",
		fmt.Sprintf("[worker CPU %s/task]", b.lastCPUPerTask.Round(time.Microsecond)))
	return nil
}
