package settings

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Shared is a copy of settings.yaml's text that processes on other hosts read: on PostgreSQL a
// document in the database (document.Named). Implementations are safe for concurrent use.
type Shared interface {
	// Read returns the text and its revision, or revision 0 when nobody has stored any yet.
	Read(ctx context.Context) (data []byte, revision int64, updated time.Time, err error)
	// Write stores data as the revision after prev (0: the first) and returns the new revision.
	// It fails when another process wrote meanwhile.
	Write(ctx context.Context, data []byte, prev int64) (revision int64, err error)
	// Changes is signalled soon after any process writes; a nil channel means there are no
	// notifications and the periodic re-read is all there is.
	Changes(ctx context.Context) (<-chan struct{}, error)
}

// DefaultReread is how often a Manager with a Shared copy reads it without being notified, to
// heal a notification lost while the listener reconnected.
const DefaultReread = 30 * time.Second

// sharedTimeout bounds each read or write of the Shared copy.
const sharedTimeout = 15 * time.Second

// writeAttempts is how often Update merges its patch into a fresh read when another process
// wrote between the read and the write.
const writeAttempts = 3

// SharedOptions configure NewSharedManager.
type SharedOptions struct {
	// Shared is the copy every process reads. Required.
	Shared Shared
	// Path is settings.yaml on this host, or "" when the process has none (workers and the
	// watcher on PostgreSQL). With a file, its edits are stored into Shared and Shared's
	// changes are written to it.
	Path string
	// Reread is how often Shared is read without a notification. Defaults to DefaultReread.
	Reread time.Duration
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// NewSharedManager returns a Manager whose settings live in a Shared copy (the database) that
// every process follows live, for hosts that share no folder. Which copy wins at start, when the
// process has a settings file: the file when Shared holds nothing yet (the first start on
// PostgreSQL imports it) or when the file was modified after Shared was last written with other
// settings (an edit made while the api was down); otherwise Shared, and the file is rewritten
// from it. An invalid file is never overwritten and an invalid Shared copy never replaces valid
// settings: both count in ReloadErrors.
func NewSharedManager(ctx context.Context, opts SharedOptions) (*Manager, error) {
	if opts.Shared == nil {
		return nil, errors.New("settings: SharedOptions.Shared is required")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Reread <= 0 {
		opts.Reread = DefaultReread
	}
	m := &Manager{log: opts.Log, subs: map[chan Settings]struct{}{}, shared: opts.Shared, reread: opts.Reread}
	if opts.Path != "" {
		abs, err := filepath.Abs(opts.Path)
		if err != nil {
			return nil, fmt.Errorf("settings path %q: %w", opts.Path, err)
		}
		m.path = abs
		m.log = opts.Log.With("path", abs)
	}

	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	data, rev, updated, err := m.shared.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading settings from the database: %w", err)
	}
	m.sharedRev = rev
	var fromShared *Settings
	if rev > 0 {
		s, err := Parse(data)
		if err != nil {
			m.invalid = true
			m.reloadErrors.Add(1)
			m.log.Error("settings in the database rejected; not using them", "revision", rev, "err", err)
		} else {
			fromShared = &s
		}
	}

	s, err := m.startingSettings(ctx, fromShared, updated)
	if err != nil {
		return nil, err
	}
	m.current.Store(&s)
	return m, nil
}

// startingSettings picks the settings in force at start (see NewSharedManager) and brings the
// other copy in line.
func (m *Manager) startingSettings(ctx context.Context, fromShared *Settings, sharedUpdated time.Time) (Settings, error) {
	if m.path == "" {
		if fromShared != nil {
			return *fromShared, nil
		}
		if !m.invalid {
			m.log.Info("no settings in the database yet; defaults until the api stores them")
		}
		return Default(), nil
	}

	if err := os.MkdirAll(filepath.Dir(m.path), 0o755); err != nil {
		return Settings{}, fmt.Errorf("create settings folder: %w", err)
	}
	fileS, fileErr := m.read()
	var info fs.FileInfo
	if fileErr == nil {
		info, fileErr = os.Stat(m.path)
	}
	var invalid ValidationError
	switch {
	case fileErr == nil && (fromShared == nil || (info.ModTime().After(sharedUpdated) && !fileS.Equal(*fromShared))):
		if err := m.storeShared(ctx, fileS); err != nil {
			return Settings{}, err
		}
		m.log.Info("settings.yaml stored in the database", "revision", m.sharedRev)
		return fileS, nil
	case fromShared != nil:
		if errors.As(fileErr, &invalid) {
			m.reloadErrors.Add(1)
			m.log.Error("settings file rejected; using the settings in the database", "err", fileErr)
			return *fromShared, nil
		}
		if fileErr == nil && fileS.Equal(*fromShared) {
			return *fromShared, nil
		}
		if fileErr != nil && !errors.Is(fileErr, fs.ErrNotExist) {
			return Settings{}, fileErr
		}
		if err := m.saveFile(*fromShared); err != nil {
			return Settings{}, err
		}
		return *fromShared, nil
	case errors.Is(fileErr, fs.ErrNotExist):
		s := Default()
		if err := m.saveFile(s); err != nil {
			return Settings{}, err
		}
		if err := m.storeShared(ctx, s); err != nil {
			return Settings{}, err
		}
		m.log.Info("created settings file with defaults")
		return s, nil
	case errors.As(fileErr, &invalid):
		m.invalid = true
		m.reloadErrors.Add(1)
		m.log.Error("settings file rejected; using defaults until it is fixed", "err", fileErr)
		return Default(), nil
	default:
		return Settings{}, fileErr
	}
}

// storeShared writes s as the next revision of the Shared copy. Callers hold mu (or own m alone).
func (m *Manager) storeShared(ctx context.Context, s Settings) error {
	data, err := Marshal(s)
	if err != nil {
		return err
	}
	var lastErr error
	for range writeAttempts {
		rev, err := m.shared.Write(ctx, data, m.sharedRev)
		if err == nil {
			m.sharedRev = rev
			return nil
		}
		lastErr = err
		// Another process wrote meanwhile: this write is the newer intent, based on its revision.
		_, rev, _, rerr := m.shared.Read(ctx)
		if rerr != nil {
			return fmt.Errorf("storing settings in the database: %w", rerr)
		}
		m.sharedRev = rev
	}
	return fmt.Errorf("storing settings in the database: %w", lastErr)
}

// saveFile writes s to the settings file; the watcher then compares what it reads instead of
// skipping it as already seen. Callers hold mu (or own m alone).
func (m *Manager) saveFile(s Settings) error {
	if err := Save(m.path, s); err != nil {
		return err
	}
	m.lastRead = [sha256.Size]byte{}
	return nil
}

// runShared follows the Shared copy until ctx is done: on each notification, and every reread.
func (m *Manager) runShared(ctx context.Context) {
	changes, err := m.shared.Changes(ctx)
	if err != nil {
		m.log.Warn("settings changes are not notified; reading them periodically", "every", m.reread, "err", err)
	}
	ticker := time.NewTicker(m.reread)
	defer ticker.Stop()
	m.reloadShared(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil
				continue
			}
			m.reloadShared(ctx)
		case <-ticker.C:
			m.reloadShared(ctx)
		}
	}
}

// reloadShared reads the Shared copy and applies it if it is a new revision and valid; with a
// settings file, the file is rewritten to match.
func (m *Manager) reloadShared(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	data, rev, _, err := m.shared.Read(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("reading settings from the database", "err", err)
		}
		return
	}
	if rev == 0 || rev == m.sharedRev {
		return
	}
	m.sharedRev = rev
	s, err := Parse(data)
	if err != nil {
		m.invalid = true
		n := m.reloadErrors.Add(1)
		m.log.Error("settings in the database rejected; keeping the last good settings",
			"revision", rev, "err", err, "reload_errors", n)
		return
	}
	m.markFileValid()
	if m.path != "" {
		if onDisk, err := Load(m.path); err != nil || !onDisk.Equal(s) {
			if err := m.saveFile(s); err != nil {
				m.log.Error("writing the database's settings to settings.yaml", "err", err)
			}
		}
	}
	m.apply(s, "database")
}

// updateShared is Update with a Shared copy: the patch is merged into the copy as it is in the
// database now, and merged again into a fresh read if another process wrote in between.
func (m *Manager) updateShared(patchJSON []byte) (Settings, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	var next Settings
	for attempt := 1; ; attempt++ {
		data, rev, _, err := m.shared.Read(ctx)
		if err != nil {
			return Settings{}, fmt.Errorf("reading settings from the database: %w", err)
		}
		base, err := Parse(data)
		if rev == 0 || err != nil {
			base = *m.current.Load()
		}
		if next, err = m.merged(base, patchJSON); err != nil {
			return Settings{}, err
		}
		out, err := Marshal(next)
		if err != nil {
			return Settings{}, err
		}
		newRev, err := m.shared.Write(ctx, out, rev)
		if err == nil {
			m.sharedRev = newRev
			break
		}
		if attempt == writeAttempts {
			return Settings{}, fmt.Errorf("storing settings in the database: %w", err)
		}
	}
	if m.path != "" {
		if onDisk, err := Load(m.path); err != nil || !onDisk.Equal(next) {
			if err := m.saveFile(next); err != nil {
				// The database has the settings and every process follows it; the file
				// catches up with the next change.
				m.log.Error("writing settings.yaml", "err", err)
			}
		}
	}
	m.markFileValid()
	m.apply(next, "api")
	return next.Clone(), nil
}

// Latest reads the settings from their source (the Shared copy, or else the file) without
// waiting for the live reload: for a task that must see an edit the api has just saved.
func (m *Manager) Latest(ctx context.Context) (Settings, error) {
	if m.shared == nil {
		return Load(m.path)
	}
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	data, rev, _, err := m.shared.Read(ctx)
	if err != nil {
		return Settings{}, err
	}
	if rev == 0 {
		return m.Current(), nil
	}
	return Parse(data)
}
