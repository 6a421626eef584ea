package account

import (
	"sync"
	"time"
)

// Limiter counts failed logins per key (a client address, a user name) and refuses a key that
// failed Max times within Window until that window ends, so a password cannot be guessed at
// line speed. It lives in one process: each api replica counts on its own.
type Limiter struct {
	Max    int
	Window time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu      sync.Mutex
	windows map[string]*failWindow
}

type failWindow struct {
	failures int
	ends     time.Time
}

// maxLimiterKeys bounds the memory a flood of distinct keys can take; expired windows are
// dropped first.
const maxLimiterKeys = 100_000

// NewLimiter returns a limiter of max failures per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, windows: map[string]*failWindow{}}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Blocked reports how long the longest-blocked of keys stays refused; 0 when none is.
func (l *Limiter) Blocked(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		w := l.windows[k]
		if w == nil || !now.Before(w.ends) || w.failures < l.Max {
			continue
		}
		wait = max(wait, w.ends.Sub(now))
	}
	return wait
}

// Fail counts a failure against each key.
func (l *Limiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.windows) >= maxLimiterKeys {
		for k, w := range l.windows {
			if !now.Before(w.ends) {
				delete(l.windows, k)
			}
		}
		if len(l.windows) >= maxLimiterKeys {
			clear(l.windows)
		}
	}
	for _, k := range keys {
		w := l.windows[k]
		if w == nil || !now.Before(w.ends) {
			w = &failWindow{ends: now.Add(l.Window)}
			l.windows[k] = w
		}
		w.failures++
	}
}
