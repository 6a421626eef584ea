package titledb

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Cache shares one loaded DB per region and language between the users of a
// process. A loaded titledb takes hundreds of MiB, so it is loaded once,
// reloaded only when its files change on disk, and dropped when nobody has
// held it for the idle duration.
type Cache struct {
	dir  string
	idle time.Duration

	// Replaced in tests to count loads and to fire idle timers by hand.
	load      func(dir, region, lang string) (*DB, error)
	afterFunc func(d time.Duration, f func()) stopper

	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
}

type stopper interface{ Stop() bool }

type cacheKey struct{ region, lang string }

// cacheEntry is one load of one locale. While loading, done is open and
// other Acquire calls wait on it instead of loading again.
type cacheEntry struct {
	done   chan struct{}
	db     *DB
	err    error
	stamps [3]fileStamp // of the files when the load started
	refs   int
	timer  stopper
	timerN int // identifies the current idle timer; see release
}

// fileStamp identifies a version of a file cheaply. Fetch replaces files by
// rename, so a new version always has a new mtime or size.
type fileStamp struct {
	size    int64
	modTime int64 // UnixNano: comparable with ==, unlike time.Time
}

// NewCache returns a Cache of the titledb in dir. After the last release a
// DB stays loaded for idle: 0 drops it at once, a negative idle keeps it
// until the process ends.
func NewCache(dir string, idle time.Duration) *Cache {
	return &Cache{
		dir:  dir,
		idle: idle,
		load: Load,
		afterFunc: func(d time.Duration, f func()) stopper {
			return time.AfterFunc(d, f)
		},
		entries: make(map[cacheKey]*cacheEntry),
	}
}

// Acquire returns the shared DB for a region and language, loading it if it
// is not loaded or its files changed since it was. Concurrent calls share
// one load. Call release once when done with the DB; the DB itself stays
// valid after release, it is just no longer kept for others.
func (c *Cache) Acquire(region, lang string) (db *DB, release func(), err error) {
	if err := checkLocale(region, lang); err != nil {
		return nil, nil, err
	}
	key := cacheKey{region, lang}
	for {
		// Stat outside the lock: a slow disk must not block other locales.
		stamps, err := c.stat(region, lang)
		if err != nil {
			return nil, nil, err
		}
		c.mu.Lock()
		e := c.entries[key]
		if e != nil && !e.loaded() {
			c.mu.Unlock()
			<-e.done
			if e.err != nil {
				return nil, nil, e.err
			}
			c.mu.Lock()
			if c.entries[key] == e {
				return c.hold(key, e)
			}
			c.mu.Unlock()
			continue // dropped or replaced meanwhile: look again
		}
		if e != nil && e.stamps == stamps {
			return c.hold(key, e)
		}
		if e != nil {
			// Stale: holders keep their DB; the cache forgets it.
			e.stopTimer()
		}
		e = &cacheEntry{done: make(chan struct{}), stamps: stamps}
		c.entries[key] = e
		c.mu.Unlock()

		db, err := c.load(c.dir, region, lang)

		c.mu.Lock()
		e.db, e.err = db, err
		close(e.done)
		if err != nil {
			// Not cached: the next Acquire tries again.
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
			return nil, nil, err
		}
		return c.hold(key, e)
	}
}

// hold takes a reference on a loaded entry. It is called with c.mu held and
// releases it.
func (c *Cache) hold(key cacheKey, e *cacheEntry) (*DB, func(), error) {
	defer c.mu.Unlock()
	e.refs++
	e.stopTimer()
	var once sync.Once
	return e.db, func() { once.Do(func() { c.release(key, e) }) }, nil
}

func (c *Cache) release(key cacheKey, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refs--
	if e.refs > 0 || c.entries[key] != e || c.idle < 0 {
		return
	}
	if c.idle == 0 {
		delete(c.entries, key)
		return
	}
	// A timer that fired while the entry was re-acquired and released again
	// must not drop it early, so each timer checks it is still the current
	// one.
	e.timerN++
	n := e.timerN
	e.timer = c.afterFunc(c.idle, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.entries[key] == e && e.refs == 0 && e.timerN == n {
			delete(c.entries, key)
		}
	})
}

func (e *cacheEntry) loaded() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

func (e *cacheEntry) stopTimer() {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	e.timerN++
}

// stat stamps the files of a locale.
func (c *Cache) stat(region, lang string) ([3]fileStamp, error) {
	var stamps [3]fileStamp
	for i, name := range fileNames(region, lang) {
		info, err := os.Stat(filepath.Join(c.dir, name))
		if err != nil {
			return stamps, fmt.Errorf("titledb: stat %s: %w", name, unwrapPathError(err))
		}
		stamps[i] = fileStamp{size: info.Size(), modTime: info.ModTime().UnixNano()}
	}
	return stamps, nil
}
