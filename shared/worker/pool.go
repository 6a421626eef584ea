// Package worker runs tasks from the queue: a pool of slots in one process
// that claims due tasks (a few ahead of its free slots, so that short tasks
// flow at the queue's rate whatever the slots), runs their handlers, renews
// their leases, records their outcomes in batches and rescues the tasks of
// dead workers.
package worker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/queue"
)

// Config configures a Pool.
type Config struct {
	// ID names this worker process on the tasks it holds. Defaults to
	// DefaultID().
	ID string
	// Slots is how many tasks run at once. Defaults to 1; SetSlots changes it live.
	Slots int
	// GracePeriod is how long a stopping pool lets running tasks finish
	// before it hands them back to the queue. Defaults to 25 seconds.
	GracePeriod time.Duration
	// WakeInterval is how often the pool looks for commits by other
	// processes (see queue.Commits). Defaults to 2ms.
	WakeInterval time.Duration
	// PollInterval is the fallback poll for due tasks (delayed tasks becoming
	// due). Defaults to 500ms.
	PollInterval time.Duration
	// MaxClaim bounds one claim. Defaults to 250.
	MaxClaim int
	// ClaimAhead is how much work, judged by the handlers' recent run times,
	// the pool claims beyond its free slots, so that a slot that frees starts
	// its next task at once instead of after a claim. Tasks claimed ahead
	// are running in the database (their leases renewed, handed back to
	// pending on shutdown, rescued if the process dies). Slow tasks (run
	// time × MaxAhead above ClaimAhead × slots) get fewer, and tasks of a
	// second or more none. Defaults to 50ms; -1 turns claiming ahead off.
	ClaimAhead time.Duration
	// MaxAhead bounds the tasks claimed ahead. Defaults to 500.
	MaxAhead int
	// AheadHold bounds how long a task claimed ahead waits for a slot: then
	// it goes back to pending (without counting an attempt), for another
	// worker or a later claim, and the pool stops claiming ahead until its
	// tasks run fast again. A higher-priority task enqueued later therefore
	// waits behind claimed-ahead tasks at most this long; usually far less,
	// since the pool claims again once half of them have started and sorts
	// what it claims by priority. Defaults to 1s.
	AheadHold time.Duration
	// Retention of finished tasks, pruned now and then by every worker.
	Retention queue.Retention
	Logger    *slog.Logger
	// Metrics, if set, receives what the pool does.
	Metrics *metrics.Worker
}

// Pool is one worker process's set of task slots.
type Pool struct {
	q   *queue.Queue
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	slots   int
	running map[int64]*execution // handlers running now
	ahead   []claimed            // claimed ahead of free slots, in claim order
	// finishing counts outcomes sent to the completer and not yet recorded:
	// those tasks are still held in the database.
	finishing int
	meanRun   time.Duration // recent handler run time (moving average); 0 = none yet
	stopping  bool

	changed   chan struct{} // slots freed or resized, outcomes recorded
	outcomes  chan queue.Outcome
	handlers  sync.WaitGroup // goroutines running handlers
	startedAt time.Time
}

type execution struct {
	ctx       context.Context
	cancel    context.CancelCauseFunc
	cancelled bool // the task was cancelled by a user
}

var (
	errShutdown  = errors.New("worker shutting down")
	errCancelled = errors.New("task cancelled")
)

// New returns a pool running tasks of q.
func New(q *queue.Queue, cfg Config) *Pool {
	if cfg.ID == "" {
		cfg.ID = DefaultID()
	}
	if cfg.Slots <= 0 {
		cfg.Slots = 1
	}
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = 25 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.MaxClaim <= 0 {
		cfg.MaxClaim = 250
	}
	if cfg.ClaimAhead == 0 {
		cfg.ClaimAhead = 50 * time.Millisecond
	}
	if cfg.MaxAhead <= 0 {
		cfg.MaxAhead = 500
	}
	if cfg.AheadHold <= 0 {
		cfg.AheadHold = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Pool{q: q, cfg: cfg, log: cfg.Logger.With("worker", cfg.ID), slots: cfg.Slots,
		running: map[int64]*execution{}, changed: make(chan struct{}, 1),
		outcomes: make(chan queue.Outcome, 1024)}
	if cfg.Metrics != nil {
		cfg.Metrics.Slots.Set(float64(cfg.Slots))
	}
	return p
}

// DefaultID is worker-<hostname>-<pid>-<random>. Hostname and pid say where
// the process runs (in a container the hostname names the container); the
// random part makes every start a new identity, so a container restarted
// with the same hostname and pid 1 never renews the leases of the process
// that died before it.
func DefaultID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("worker-%s-%d-%x", host, os.Getpid(), b)
}

// ID is the name this pool puts on the tasks it holds.
func (p *Pool) ID() string { return p.cfg.ID }

// SetSlots resizes the pool live. Growing starts claiming at once;
// shrinking lets the extra running tasks finish and claims no more until
// the pool is under the new size.
func (p *Pool) SetSlots(n int) {
	if n <= 0 {
		n = 1
	}
	p.mu.Lock()
	old := p.slots
	p.slots = n
	p.mu.Unlock()
	if old != n {
		p.log.Info("worker slots changed", "from", old, "to", n)
		if p.cfg.Metrics != nil {
			p.cfg.Metrics.Slots.Set(float64(n))
		}
		p.signal()
	}
}

// Slots is the current pool size.
func (p *Pool) Slots() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.slots
}

// Busy is how many tasks run now.
func (p *Pool) Busy() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.running)
}

func (p *Pool) signal() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// Run works until ctx is cancelled, then stops claiming, lets running tasks
// finish within the grace period, hands the rest back to the queue and
// returns.
func (p *Pool) Run(ctx context.Context) error {
	p.startedAt = time.Now()
	// Background jobs outlive ctx a little: they must record the outcomes of
	// the tasks that finish during the grace period.
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	wake, err := p.q.Commits(bg, p.cfg.WakeInterval)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	completerDone := make(chan struct{})
	go func() { defer close(completerDone); p.complete(bg) }()
	wg.Add(2)
	go func() { defer wg.Done(); p.heartbeat(bg) }()
	go func() { defer wg.Done(); p.maintain(bg) }()

	p.log.Info("worker started", "slots", p.Slots())
	p.produce(ctx, wake)
	p.handBackAhead()
	p.drain()
	p.handlers.Wait()
	close(p.outcomes)
	<-completerDone
	stopBackground()
	wg.Wait()
	cleanup, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.q.ForgetWorker(cleanup, p.cfg.ID, 10*time.Minute); err != nil {
		p.log.Warn("forgetting worker row", "err", err)
	}
	p.log.Info("worker stopped")
	return nil
}

// drain waits for running tasks up to the grace period, then cancels the
// rest, whose outcomes hand them back to the queue.
func (p *Pool) drain() {
	if p.Busy() == 0 {
		return
	}
	p.log.Info("waiting for running tasks", "running", p.Busy(), "grace_period", p.cfg.GracePeriod)
	deadline := time.NewTimer(p.cfg.GracePeriod)
	defer deadline.Stop()
	for p.Busy() > 0 {
		select {
		case <-deadline.C:
			p.mu.Lock()
			for _, ex := range p.running {
				ex.cancel(errShutdown)
			}
			n := len(p.running)
			p.mu.Unlock()
			p.log.Warn("grace period over: handing running tasks back to the queue", "tasks", n)
			for p.Busy() > 0 {
				<-p.changed
			}
			return
		case <-p.changed:
		}
	}
}
