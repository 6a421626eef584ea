// Package document keeps named documents in the database for the processes of other hosts:
// settings.yaml's content, the title database's files and the library index. On PostgreSQL the
// hosts share no folder, so what one process writes into its data folder reaches the others
// through here; on SQLite the files in the shared data folder stay the source and nothing uses
// this package. It owns the documents table (migration 9).
//
// Content is stored gzip-compressed with its SHA-256 and size; each write increases the
// document's revision by one, so a reader that remembers the revision it has knows with one
// indexed read whether it is current. On PostgreSQL every write notifies the shelf_documents
// channel (Changes); readers also re-read now and then, since a notification sent while a
// listener reconnects is lost.
package document

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// Names of the documents shelf shares.
const (
	// Settings is settings.yaml's text.
	Settings = "settings.yaml"
	// LibraryIndex is the index generate_library writes (pipeline.LibraryIndexPath).
	LibraryIndex = "cache/library.json"
)

// Channel is the PostgreSQL notification channel every write notifies, with the name as payload.
const Channel = "shelf_documents"

// MaxSize bounds a document's uncompressed size: the largest is a titledb titles file of a few
// hundred MiB. It guards readers against a corrupt row inflating without end.
const MaxSize = 1 << 30

var (
	// ErrNotFound is returned for a document nobody has written yet.
	ErrNotFound = errors.New("document not found")
	// ErrConflict is returned by Put when the document's revision is no longer the one expected.
	ErrConflict = errors.New("document changed meanwhile")
)

// Meta describes a stored version of a document without its content.
type Meta struct {
	Name     string
	Revision int64
	// SHA256 is the hex digest of the uncompressed content.
	SHA256    string
	Size      int64
	UpdatedAt time.Time
}

// Store reads and writes the documents of one database. It is safe for concurrent use.
type Store struct {
	db *gorm.DB
}

// New returns the Store of db (opened by store.Open, so migrated).
func New(db *gorm.DB) *Store { return &Store{db: db} }

type row struct {
	Name      string
	Revision  int64
	SHA256    string `gorm:"column:sha256"`
	Size      int64
	Content   []byte
	UpdatedAt int64
}

func (r row) meta() Meta {
	return Meta{Name: r.Name, Revision: r.Revision, SHA256: r.SHA256, Size: r.Size, UpdatedAt: time.UnixMicro(r.UpdatedAt)}
}

// Stat returns a document's metadata, reading no content: what a reader checks before fetching.
func (s *Store) Stat(ctx context.Context, name string) (Meta, error) {
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT name, revision, sha256, size, updated_at FROM documents
		WHERE name = ?`, name).Scan(&rows).Error
	if err != nil {
		return Meta{}, fmt.Errorf("reading document %s: %w", name, err)
	}
	if len(rows) == 0 {
		return Meta{}, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return rows[0].meta(), nil
}

// Get returns a document's content and metadata.
func (s *Store) Get(ctx context.Context, name string) ([]byte, Meta, error) {
	var buf bytes.Buffer
	m, err := s.Copy(ctx, name, &buf)
	if err != nil {
		return nil, Meta{}, err
	}
	return buf.Bytes(), m, nil
}

// Copy writes a document's content to w and returns its metadata. The content is checked
// against its digest, so a reader never installs a damaged copy.
func (s *Store) Copy(ctx context.Context, name string, w io.Writer) (Meta, error) {
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT name, revision, sha256, size, content, updated_at FROM documents
		WHERE name = ?`, name).Scan(&rows).Error
	if err != nil {
		return Meta{}, fmt.Errorf("reading document %s: %w", name, err)
	}
	if len(rows) == 0 {
		return Meta{}, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	r := rows[0]
	zr, err := gzip.NewReader(bytes.NewReader(r.Content))
	if err != nil {
		return Meta{}, fmt.Errorf("document %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(zr, MaxSize+1))
	if err != nil {
		return Meta{}, fmt.Errorf("document %s: %w", name, err)
	}
	if n != r.Size || hex.EncodeToString(h.Sum(nil)) != r.SHA256 {
		return Meta{}, fmt.Errorf("document %s: content does not match its digest (revision %d)", name, r.Revision)
	}
	return r.meta(), nil
}

// Any, as Put's prev, writes whatever revision the document has.
const Any int64 = -1

// Put stores content as the next revision of a document and returns its metadata. prev is the
// revision the writer based its content on (0: the document must not exist yet), and a document
// that has moved on meanwhile is left alone with ErrConflict; Any writes unconditionally. Content
// equal to the stored one writes nothing and returns the stored revision, so readers are not
// woken for nothing.
func (s *Store) Put(ctx context.Context, name string, content []byte, prev int64) (Meta, error) {
	return s.PutFrom(ctx, name, bytes.NewReader(content), prev)
}

// PutFrom is Put of what r holds, compressed as it is read, so a large file never sits in
// memory uncompressed.
func (s *Store) PutFrom(ctx context.Context, name string, r io.Reader, prev int64) (Meta, error) {
	var compressed bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&compressed, gzip.BestSpeed)
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(zw, h), io.LimitReader(r, MaxSize+1))
	if err != nil {
		return Meta{}, fmt.Errorf("document %s: %w", name, err)
	}
	if size > MaxSize {
		return Meta{}, fmt.Errorf("document %s: over the limit of %d bytes", name, MaxSize)
	}
	if err := zw.Close(); err != nil {
		return Meta{}, err
	}
	digest := hex.EncodeToString(h.Sum(nil))
	var out Meta
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []row
		q := tx.Raw(`SELECT name, revision, sha256, size, updated_at FROM documents WHERE name = ?`, name)
		if store.DialectOf(tx) == store.Postgres {
			q = tx.Raw(`SELECT name, revision, sha256, size, updated_at FROM documents WHERE name = ? FOR UPDATE`, name)
		}
		if err := q.Scan(&rows).Error; err != nil {
			return err
		}
		current := int64(0)
		if len(rows) > 0 {
			current = rows[0].Revision
		}
		if prev != Any && prev != current {
			return ErrConflict
		}
		if len(rows) > 0 && rows[0].SHA256 == digest {
			out = rows[0].meta()
			return nil
		}
		r := row{Name: name, Revision: current + 1, SHA256: digest, Size: size,
			Content: compressed.Bytes(), UpdatedAt: time.Now().UnixMicro()}
		var res *gorm.DB
		if len(rows) == 0 {
			// Two first writes racing: the primary key lets one of them in.
			res = tx.Exec(`INSERT INTO documents (name, revision, sha256, size, content, updated_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
				r.Name, r.Revision, r.SHA256, r.Size, r.Content, r.UpdatedAt)
		} else {
			res = tx.Exec(`UPDATE documents SET revision = ?, sha256 = ?, size = ?, content = ?, updated_at = ?
				WHERE name = ? AND revision = ?`, r.Revision, r.SHA256, r.Size, r.Content, r.UpdatedAt, r.Name, current)
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrConflict
		}
		out = r.meta()
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return Meta{}, fmt.Errorf("%s: %w", name, ErrConflict)
		}
		return Meta{}, fmt.Errorf("writing document %s: %w", name, err)
	}
	return out, nil
}

// Changes returns a channel that is signalled (coalesced) soon after any process writes a
// document, and once after each reconnection of the listener; it closes when ctx ends. On
// SQLite it returns a nil channel, which never fires: the data folder is shared there, and a
// reader that uses this package anyway relies on its periodic re-read.
func (s *Store) Changes(ctx context.Context) (<-chan struct{}, error) {
	if store.DialectOf(s.db) != store.Postgres {
		return nil, nil
	}
	return store.Listen(ctx, s.db, Channel)
}

// Shared reports whether documents are how this database's processes share what is in their
// data folders: on PostgreSQL, where hosts share no folder.
func Shared(db *gorm.DB) bool { return store.DialectOf(db) == store.Postgres }

// Named is one document read and written whole, with the revision of what was read: the shape
// settings.Manager takes as its Shared copy.
type Named struct {
	store *Store
	name  string
}

// Named returns the document called name.
func (s *Store) Named(name string) Named { return Named{store: s, name: name} }

// Read returns the document's content and revision, or revision 0 when nobody wrote it yet.
func (n Named) Read(ctx context.Context) ([]byte, int64, time.Time, error) {
	data, m, err := n.store.Get(ctx, n.name)
	if errors.Is(err, ErrNotFound) {
		return nil, 0, time.Time{}, nil
	}
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	return data, m.Revision, m.UpdatedAt, nil
}

// Write stores data as the revision after prev (Put) and returns the new revision.
func (n Named) Write(ctx context.Context, data []byte, prev int64) (int64, error) {
	m, err := n.store.Put(ctx, n.name, data, prev)
	return m.Revision, err
}

// Changes is the Store's Changes: a signal after any document's write.
func (n Named) Changes(ctx context.Context) (<-chan struct{}, error) { return n.store.Changes(ctx) }
