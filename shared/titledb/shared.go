package titledb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/shelfhq/shelf/shared/document"
)

// Hosts that share no data folder (PostgreSQL) share the title database through documents: the
// process that refreshed its folder publishes each file that changed as "titledb/<file>" and
// then ManifestDocument, which names every file with its digest; the others bring their own
// folder in line when the manifest's revision moves. The fetch validators (.fetch.json) travel
// too, so any worker's next refresh asks the mirror "changed since?" instead of downloading
// everything again.

// ManifestDocument names the document listing the shared title database's files.
const ManifestDocument = "titledb/manifest.json"

const documentPrefix = "titledb/"

type manifest struct {
	// Files maps each file name to the hex SHA-256 of its content.
	Files map[string]string `json:"files"`
}

// Syncer keeps one local titledb folder in step with the title database published in the
// database. Its methods serialize on one lock, so a refresh and a sync of the same folder never
// interleave. Safe for concurrent use.
type Syncer struct {
	docs *document.Store
	dir  string

	mu  sync.Mutex
	rev int64 // the manifest revision dir matches
	// refreshing is set while Refresh downloads, which can take minutes: Sync then leaves the
	// folder to it instead of making every identification of the process wait.
	refreshing atomic.Bool
}

// NewSyncer returns the Syncer of the titledb folder dir.
func NewSyncer(docs *document.Store, dir string) *Syncer { return &Syncer{docs: docs, dir: dir} }

// Sync writes the published files that differ from dir's into dir (each to a temporary file,
// checked against its digest, then renamed over the old one, so a Cache sees new stamps and
// reloads). It costs one indexed read when the manifest has not moved since the last Sync. It
// reports whether a file was written; nothing published yet is no error. While this process's
// own Refresh runs, Sync returns at once: the folder is being replaced, and the Cache serves
// what it has loaded until then.
func (s *Syncer) Sync(ctx context.Context) (bool, error) {
	if s.refreshing.Load() {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sync(ctx)
}

func (s *Syncer) sync(ctx context.Context) (bool, error) {
	meta, err := s.docs.Stat(ctx, ManifestDocument)
	if errors.Is(err, document.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if meta.Revision == s.rev {
		return false, nil
	}
	m, rev, err := s.readManifest(ctx)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return false, fmt.Errorf("titledb: %w", err)
	}
	local, err := digests(s.dir)
	if err != nil {
		return false, err
	}
	wrote := false
	for name, sum := range m.Files {
		if local[name] == sum {
			continue
		}
		if err := s.install(ctx, name, sum); err != nil {
			return wrote, err
		}
		wrote = true
	}
	s.rev = rev
	return wrote, nil
}

// install copies the document of one file into dir.
func (s *Syncer) install(ctx context.Context, name, sum string) error {
	if !validFileName(name) {
		return fmt.Errorf("titledb: the manifest names %q, not a file name", name)
	}
	tmp, err := os.CreateTemp(s.dir, "."+name+".*"+tempSuffix)
	if err != nil {
		return fmt.Errorf("titledb: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := s.docs.Copy(ctx, documentPrefix+name, io.MultiWriter(tmp, h)); err != nil {
		tmp.Close()
		return fmt.Errorf("titledb: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("titledb: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		// Published again since the manifest was read: the next manifest names this content.
		return fmt.Errorf("titledb: %s changed while it was copied; the next sync takes it", name)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, name)); err != nil {
		return fmt.Errorf("titledb: %w", err)
	}
	return nil
}

// Refresh brings dir in line with what is published, runs fetch (which refreshes dir from the
// mirror), then publishes every file of dir that differs and the manifest. It reports whether
// the title database changed: a title, cnmt, versions or languages file, not just the fetch
// validators or the source record.
func (s *Syncer) Refresh(ctx context.Context, fetch func() error) (bool, error) {
	s.refreshing.Store(true)
	defer s.refreshing.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.sync(ctx); err != nil {
		return false, err
	}
	if err := fetch(); err != nil {
		return false, err
	}
	old, prev, err := s.readManifest(ctx)
	if err != nil {
		return false, err
	}
	local, err := digests(s.dir)
	if err != nil {
		return false, err
	}
	changed := false
	for name, sum := range local {
		if old.Files[name] == sum {
			continue
		}
		if err := s.publish(ctx, name); err != nil {
			return false, err
		}
		changed = changed || !strings.HasPrefix(name, ".")
	}
	for name := range old.Files {
		if _, ok := local[name]; !ok && !strings.HasPrefix(name, ".") {
			changed = true
		}
	}
	if maps.Equal(old.Files, local) {
		s.rev = prev
		return false, nil
	}
	text, err := json.Marshal(manifest{Files: local})
	if err != nil {
		return false, err
	}
	meta, err := s.docs.Put(ctx, ManifestDocument, text, document.Any)
	if err != nil {
		return false, err
	}
	s.rev = meta.Revision
	return changed, nil
}

// publish stores one file of dir as its document.
func (s *Syncer) publish(ctx context.Context, name string) error {
	f, err := os.Open(filepath.Join(s.dir, name))
	if err != nil {
		return fmt.Errorf("titledb: %w", err)
	}
	defer f.Close()
	_, err = s.docs.PutFrom(ctx, documentPrefix+name, f, document.Any)
	return err
}

// readManifest returns the published manifest and its revision; an empty one (revision 0) when
// nothing is published.
func (s *Syncer) readManifest(ctx context.Context) (manifest, int64, error) {
	text, meta, err := s.docs.Get(ctx, ManifestDocument)
	if errors.Is(err, document.ErrNotFound) {
		return manifest{Files: map[string]string{}}, 0, nil
	}
	if err != nil {
		return manifest{}, 0, err
	}
	var m manifest
	if err := json.Unmarshal(text, &m); err != nil {
		return manifest{}, 0, fmt.Errorf("titledb: the published manifest (revision %d): %w", meta.Revision, err)
	}
	if m.Files == nil {
		m.Files = map[string]string{}
	}
	return m, meta.Revision, nil
}

// digests returns the SHA-256 of each file of dir, leaving out temporary files.
func digests(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("titledb: %w", err)
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasSuffix(e.Name(), tempSuffix) || !validFileName(e.Name()) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("titledb: %w", err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("titledb: %w", err)
		}
		out[e.Name()] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

// validFileName accepts the names a titledb folder holds: one path element, no separators.
func validFileName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`) && len(name) <= 255
}
