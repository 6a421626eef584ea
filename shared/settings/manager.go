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
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// Manager holds the settings in force in one process and keeps them in step with settings.yaml:
// Run applies edits made to the file, Update applies edits made through the API. With a Shared
// copy (NewSharedManager: the database, on PostgreSQL) the copy is what every process follows and
// the file, where there is one, is kept in step with it. Every method is safe for concurrent use;
// Run is meant to be started once per Manager.
type Manager struct {
	path string // absolute, so that watch events (which carry absolute names) compare equal; "" for none
	log  *slog.Logger

	shared    Shared // nil: the file is the only copy
	sharedRev int64  // the revision of shared last applied or rejected; guarded by mu
	reread    time.Duration

	current      atomic.Pointer[Settings]
	reloadErrors atomic.Uint64

	// mu serializes every read of the file that may change current, and every write of it: a reload
	// that read the file before an Update saved it cannot then replace the Update's result.
	mu      sync.Mutex
	invalid bool // the last read was rejected; lets the recovery be logged once
	// lastRead is the hash of the content last read. Events that leave the content as it was
	// (chmod, touch, the first look in Run) then neither log nor count again.
	lastRead [sha256.Size]byte
	subs     map[chan Settings]struct{}
	checks   []Check
}

// Check is a rule Update applies on top of Validate, for rules that depend on data outside the
// settings (which locales the title database has). It gets the settings before and after the
// patch and returns the problems; hand edits of the file are not subject to it.
type Check func(before, after Settings) []FieldError

// AddCheck adds a Check to every later Update.
func (m *Manager) AddCheck(c Check) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checks = append(m.checks, c)
}

// NewManager loads the settings file at path. A missing file (and folder) is created with the
// defaults. An existing file that is invalid is logged and counted in ReloadErrors, and the
// defaults are used until it is fixed; the file is left as it is, since it holds the user's work.
// A file that exists but cannot be read is an error. A nil log means slog.Default().
func NewManager(path string, log *slog.Logger) (*Manager, error) {
	if log == nil {
		log = slog.Default()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("settings path %q: %w", path, err)
	}
	m := &Manager{path: abs, log: log.With("path", abs), subs: map[chan Settings]struct{}{}}

	s, err := m.read()
	var invalid ValidationError
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		s = Default()
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			return nil, fmt.Errorf("create settings folder: %w", err)
		}
		if err := Save(abs, s); err != nil {
			return nil, err
		}
		m.log.Info("created settings file with defaults")
	case errors.As(err, &invalid):
		s = Default()
		m.invalid = true
		m.reloadErrors.Add(1)
		m.log.Error("settings file rejected; using defaults until it is fixed", "err", err)
	default:
		return nil, err
	}
	m.current.Store(&s)
	return m, nil
}

// Path returns the absolute path of the settings file, "" when the process has none.
func (m *Manager) Path() string { return m.path }

// Current returns the settings in force. The result is a copy the caller may modify.
func (m *Manager) Current() Settings { return m.current.Load().Clone() }

// ReloadErrors counts the times the file was read and rejected, including at start. Exported as
// shelf_settings_reload_errors_total.
func (m *Manager) ReloadErrors() uint64 { return m.reloadErrors.Load() }

// Subscribe returns a channel that first holds the settings in force and then receives each new
// version, so a consumer needs nothing but a range loop. A consumer that falls behind skips
// intermediate versions and receives the latest; it never blocks the Manager. cancel stops the
// subscription and closes the channel; it may be called more than once.
func (m *Manager) Subscribe() (updates <-chan Settings, cancel func()) {
	ch := make(chan Settings, 1)
	m.mu.Lock()
	ch <- m.current.Load().Clone()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()

	var once sync.Once
	return ch, func() {
		once.Do(func() {
			m.mu.Lock()
			delete(m.subs, ch)
			close(ch)
			m.mu.Unlock()
		})
	}
}

// Update applies a partial JSON document (see Merge) to the settings, saves the file and publishes
// the result. It is what the REST API calls. An error about the patch is a ValidationError (a client
// error); any other error is a failure to write the file.
func (m *Manager) Update(patchJSON []byte) (Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shared != nil {
		return m.updateShared(patchJSON)
	}

	// Start from the file as it is now when it is valid: a hand edit that the debounced watcher has
	// not applied yet must not be overwritten with older values.
	base, err := m.read()
	fileValid := err == nil
	if !fileValid {
		base = *m.current.Load()
	}
	next, err := m.merged(base, patchJSON)
	if err != nil {
		return Settings{}, err
	}
	if !fileValid || !next.Equal(base) {
		if err := Save(m.path, next); err != nil {
			return Settings{}, err
		}
		// The watcher will see the saved file once; it must compare it, not skip it as unchanged.
		m.lastRead = [sha256.Size]byte{}
	}
	m.markFileValid()
	m.apply(next, "api")
	return next.Clone(), nil
}

// reload reads the file and applies it if it is valid and different.
func (m *Manager) reload() {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, err := readFile(m.path)
	var s Settings
	if err != nil {
		m.lastRead = [sha256.Size]byte{} // the same content restored later must be looked at
	} else {
		sum := sha256.Sum256(data)
		if sum == m.lastRead {
			return
		}
		m.lastRead = sum
		s, err = Parse(data)
	}
	if err != nil {
		m.invalid = true
		n := m.reloadErrors.Add(1)
		m.log.Error("settings file rejected; keeping the last good settings", "err", err, "reload_errors", n)
		return
	}
	m.markFileValid()
	if m.shared != nil && !s.Equal(*m.current.Load()) {
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		if err := m.storeShared(ctx, s); err != nil {
			m.log.Error("settings.yaml edit applied here but not stored in the database; other hosts keep the old settings", "err", err)
		}
	}
	m.apply(s, "file")
}

// read reads and parses the file, remembering what it read. Callers hold mu (or own m alone).
func (m *Manager) read() (Settings, error) {
	data, err := readFile(m.path)
	if err != nil {
		return Settings{}, err
	}
	m.lastRead = sha256.Sum256(data)
	return Parse(data)
}

// markFileValid logs the end of a period in which the file was rejected. Callers hold mu.
func (m *Manager) markFileValid() {
	if m.invalid {
		m.invalid = false
		m.log.Info("settings file is valid again")
	}
}

// apply makes s current and tells the subscribers, unless nothing changed; our own Save echoes
// back through the watcher and must not publish twice. Callers hold mu.
func (m *Manager) apply(s Settings, source string) {
	old := *m.current.Load()
	if old.Equal(s) {
		return
	}
	s = s.Clone()
	m.current.Store(&s)
	m.log.Info("settings changed", "source", source, "fields", changedFields(old, s))
	for ch := range m.subs {
		// Replace a value the subscriber has not taken yet: only the latest matters. The send
		// cannot block, since the buffer was just emptied and only this goroutine (holding mu) sends.
		select {
		case <-ch:
		default:
		}
		ch <- s.Clone()
	}
}

// changedFields lists the dotted paths of the leaf fields that differ, for the change log line.
func changedFields(prev, next Settings) []string {
	var out []string
	var walk func(a, b reflect.Value, t reflect.Type, path string)
	walk = func(a, b reflect.Value, t reflect.Type, path string) {
		if t.Kind() != reflect.Struct {
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				out = append(out, path)
			}
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			walk(a.Field(i), b.Field(i), f.Type, joinPath(path, f.Tag.Get("yaml")))
		}
	}
	walk(reflect.ValueOf(prev.Clone()), reflect.ValueOf(next.Clone()), settingsType, "")
	return out
}

// merged merges patchJSON over base and runs the checks on the change: the one way an update is
// made, whether the settings live in the file or in the database.
func (m *Manager) merged(base Settings, patchJSON []byte) (Settings, error) {
	next, err := Merge(base, patchJSON)
	if err != nil {
		return Settings{}, err
	}
	var problems []FieldError
	for _, check := range m.checks {
		problems = append(problems, check(base, next)...)
	}
	if len(problems) > 0 {
		return Settings{}, ValidationError{Errors: problems}
	}
	return next, nil
}
