package settings

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

const (
	// debounceDelay lets the burst of events from one save (truncate, writes, rename, chmod) settle
	// before the file is read once.
	debounceDelay = 100 * time.Millisecond
	// maxDebounceDelay bounds the wait under a continuous stream of events.
	maxDebounceDelay = time.Second
)

// Run watches the settings file and applies every valid change until ctx is done, then returns nil.
// An invalid file is logged, counted in ReloadErrors and otherwise ignored: the last good settings
// stay in force. It returns an error only if the watch cannot be set up or the watcher fails.
//
// The folder is watched rather than the file, because editors and Save replace the file by rename,
// which would end a watch on the file itself.
//
// With a Shared copy, Run also follows it: each notification, and every reread interval.
func (m *Manager) Run(ctx context.Context) error {
	if m.shared != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			m.runShared(ctx)
		}()
		defer func() { <-done }()
	}
	if m.path == "" {
		<-ctx.Done()
		return nil
	}
	err := m.watchFile(ctx)
	if err != nil && m.shared != nil {
		// The database's settings are still followed; the error is returned once they stop.
		m.log.Error("settings.yaml is no longer watched; its edits apply after a restart", "err", err)
		<-ctx.Done()
	}
	return err
}

// watchFile follows the settings file until ctx is done.
func (m *Manager) watchFile(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch settings: %w", err)
	}
	defer w.Close()
	dir := filepath.Dir(m.path)
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch settings folder %s: %w", dir, err)
	}
	m.log.Debug("watching settings file")
	// The file may have changed between NewManager and the start of the watch.
	m.reload()

	timer := time.NewTimer(debounceDelay)
	timer.Stop()
	pending := false
	var firstEvent time.Time
	schedule := func() {
		now := time.Now()
		if !pending {
			pending, firstEvent = true, now
			timer.Reset(debounceDelay)
		} else if now.Sub(firstEvent) < maxDebounceDelay {
			timer.Reset(debounceDelay)
		}
	}

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("watch settings: watcher closed")
			}
			switch filepath.Clean(ev.Name) {
			case m.path:
				schedule()
			case dir:
				if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
					m.log.Error("settings folder was removed or renamed; edits are no longer seen until restart")
				}
			}
		case err, ok := <-w.Errors:
			if !ok {
				return errors.New("watch settings: watcher closed")
			}
			m.log.Warn("settings watcher error", "err", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				schedule() // events were lost; one of them may have been ours
			}
		case <-timer.C:
			pending = false
			m.reload()
		}
	}
}
