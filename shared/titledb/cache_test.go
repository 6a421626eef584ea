package titledb

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cacheBundle is a Cache over a test titledb that counts its loads and
// whose idle timers only fire when the test says so.
type cacheBundle struct {
	cache  *Cache
	dir    string
	loads  atomic.Int32
	timers *fakeTimers
}

func setupCache(t *testing.T, idle time.Duration) *cacheBundle {
	t.Helper()
	b := &cacheBundle{dir: t.TempDir(), timers: &fakeTimers{}}
	writeTitleDB(t, b.dir, testTitles, testCnmts, testVersions)
	b.cache = NewCache(b.dir, idle)
	b.cache.afterFunc = b.timers.afterFunc
	b.cache.load = func(dir, region, lang string) (*DB, error) {
		b.loads.Add(1)
		return Load(dir, region, lang)
	}
	return b
}

func (b *cacheBundle) acquire(t *testing.T) (*DB, func()) {
	t.Helper()
	db, release, err := b.cache.Acquire("US", "en")
	if err != nil {
		t.Fatal(err)
	}
	return db, release
}

type fakeTimers struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

type fakeTimer struct {
	f       func()
	stopped bool
}

func (ft *fakeTimer) Stop() bool {
	wasActive := !ft.stopped
	ft.stopped = true
	return wasActive
}

func (fts *fakeTimers) afterFunc(_ time.Duration, f func()) stopper {
	fts.mu.Lock()
	defer fts.mu.Unlock()
	t := &fakeTimer{f: f}
	fts.timers = append(fts.timers, t)
	return t
}

func (fts *fakeTimers) active() int {
	fts.mu.Lock()
	defer fts.mu.Unlock()
	n := 0
	for _, t := range fts.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// fire runs every timer; late also runs stopped ones, as happens when a
// timer fires at the moment it is stopped.
func (fts *fakeTimers) fire(late bool) {
	fts.mu.Lock()
	timers := fts.timers
	fts.timers = nil
	fts.mu.Unlock()
	for _, t := range timers {
		if !t.stopped || late {
			t.f()
		}
	}
}

func TestCacheSharesOneLoadBetweenConcurrentAcquires(t *testing.T) {
	t.Parallel()
	b := setupCache(t, time.Hour)
	gate := make(chan struct{})
	load := b.cache.load
	b.cache.load = func(dir, region, lang string) (*DB, error) {
		<-gate // keep the load in progress while the others arrive
		return load(dir, region, lang)
	}

	const n = 8
	dbs := make([]*DB, n)
	releases := make([]func(), n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			db, release, err := b.cache.Acquire("US", "en")
			if err != nil {
				t.Error(err)
				return
			}
			dbs[i], releases[i] = db, release
		})
	}
	close(gate)
	wg.Wait()

	equal(t, "loads", int32(1), b.loads.Load())
	for i := range n {
		if dbs[i] != dbs[0] || dbs[i] == nil {
			t.Fatalf("acquire %d got a different DB", i)
		}
		releases[i]()
	}
}

func TestCacheReloadsWhenAFileChanges(t *testing.T) {
	t.Parallel()
	b := setupCache(t, time.Hour)
	old, release := b.acquire(t)
	release()

	path := filepath.Join(b.dir, "versions.json")
	writeFile(t, path, `{"0100aaaa00010000": {"196608": "2020-04-01"}}`)
	// An mtime that differs whatever the file system's time resolution.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}

	fresh, release := b.acquire(t)
	defer release()
	if fresh == old {
		t.Fatal("changed files did not cause a reload")
	}
	latest, _ := fresh.LatestVersion("0100AAAA00010000")
	equal(t, "latest version after reload", 196608, latest)
	latest, _ = old.LatestVersion("0100AAAA00010000")
	equal(t, "the old DB is unchanged", 131072, latest)

	again, release2 := b.acquire(t)
	release2()
	if again != fresh {
		t.Error("unchanged files caused a reload")
	}
	equal(t, "loads", int32(2), b.loads.Load())
}

func TestCacheDropsTheDBOnlyAfterTheLastReleaseAndIdle(t *testing.T) {
	t.Parallel()
	b := setupCache(t, time.Minute)
	first, releaseA := b.acquire(t)
	_, releaseB := b.acquire(t)

	releaseA()
	equal(t, "idle timers while still held", 0, b.timers.active())
	releaseB()
	equal(t, "idle timers after the last release", 1, b.timers.active())

	// Acquired again before the idle time: same DB, timer cancelled, and a
	// timer firing late must not drop the DB from under its holder.
	again, release := b.acquire(t)
	if again != first {
		t.Fatal("DB reloaded within the idle time")
	}
	equal(t, "idle timers while held again", 0, b.timers.active())
	b.timers.fire(true)
	_, release2 := b.acquire(t)
	release2()
	equal(t, "loads after a late timer", int32(1), b.loads.Load())

	release()
	b.timers.fire(false)
	_, release3 := b.acquire(t)
	release3()
	equal(t, "loads after the idle time", int32(2), b.loads.Load())
}

func TestCacheWithZeroIdleDropsOnLastRelease(t *testing.T) {
	t.Parallel()
	b := setupCache(t, 0)
	_, releaseA := b.acquire(t)
	_, releaseB := b.acquire(t)
	releaseA()
	releaseA() // a second call must not count as B's release
	_, releaseC := b.acquire(t)
	equal(t, "loads while held", int32(1), b.loads.Load())
	releaseB()
	releaseC()
	_, release := b.acquire(t)
	release()
	equal(t, "loads after the last release", int32(2), b.loads.Load())
}

func TestCacheWithNegativeIdleKeepsTheDB(t *testing.T) {
	t.Parallel()
	b := setupCache(t, -1)
	_, release := b.acquire(t)
	release()
	_, release = b.acquire(t)
	release()
	equal(t, "loads", int32(1), b.loads.Load())
	equal(t, "idle timers", 0, b.timers.active())
}

func TestCacheDoesNotKeepLoadErrors(t *testing.T) {
	t.Parallel()
	b := setupCache(t, time.Hour)
	path := filepath.Join(b.dir, "cnmts.json")
	writeFile(t, path, `{"broken": `)
	if _, _, err := b.cache.Acquire("US", "en"); err == nil {
		t.Fatal("broken cnmts.json loaded")
	}

	writeFile(t, path, testCnmts)
	later := time.Now().Add(time.Hour)
	os.Chtimes(path, later, later)
	_, release := b.acquire(t)
	release()
	equal(t, "loads", int32(2), b.loads.Load())

	if _, _, err := b.cache.Acquire("US", "xx"); err == nil {
		t.Error("acquired a locale without files")
	}
}

func TestCacheUnderConcurrentUseAndChanges(t *testing.T) {
	t.Parallel()
	b := setupCache(t, 0)
	path := filepath.Join(b.dir, "versions.json")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				db, release, err := b.cache.Acquire("US", "en")
				if err != nil {
					t.Error(err)
					return
				}
				if _, ok := db.Title("0100AAAA00010000"); !ok {
					t.Error("title missing")
				}
				release()
			}
		})
	}
	for i := range 20 {
		// Rename over the old file, as Fetch does, so readers never see
		// a half-written one.
		tmp := path + ".new"
		writeFile(t, tmp, testVersions)
		mtime := time.Now().Add(time.Duration(i) * time.Second)
		os.Chtimes(tmp, mtime, mtime)
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
