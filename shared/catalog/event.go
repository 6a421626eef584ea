package catalog

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/organize"
	"gorm.io/gorm"
)

// AddIgnoredEvent records that the organizer is moving src to dest, so file
// events on either path are not user changes for the next ttl.
func AddIgnoredEvent(db *gorm.DB, src, dest string, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("adding ignored event: ttl must be positive")
	}
	err := db.Exec(`INSERT INTO ignored_events (src, dest, expires_at) VALUES (?, ?, ?)`,
		filepath.Clean(src), filepath.Clean(dest), time.Now().Add(ttl).UnixMicro()).Error
	if err != nil {
		return fmt.Errorf("adding ignored event %s -> %s: %w", src, dest, err)
	}
	return nil
}

// AddIgnoredEvents records many organizer moves (src, dest) at once: one
// transaction of multi-row inserts, durable before any of the moves starts.
func AddIgnoredEvents(db *gorm.DB, moves []organize.Announced, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("adding ignored events: ttl must be positive")
	}
	expires := time.Now().Add(ttl).UnixMicro()
	err := db.Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(moves); start += rowBatch {
			part := moves[start:min(start+rowBatch, len(moves))]
			values := make([]string, len(part))
			args := make([]any, 0, 3*len(part))
			for i, m := range part {
				values[i] = "(?, ?, ?)"
				args = append(args, filepath.Clean(m.Src), filepath.Clean(m.Dest), expires)
			}
			if err := tx.Exec(`INSERT INTO ignored_events (src, dest, expires_at) VALUES `+
				strings.Join(values, ", "), args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("adding %d ignored events: %w", len(moves), err)
	}
	return nil
}

// ConsumeIgnoredEvent reports whether an event on path is one to ignore: an
// unexpired ignored event has path as its src or dest. Expired events are
// purged. A matching event stays until it expires, because one move causes
// several events (rename or remove of src; create, writes and chmod of dest).
func ConsumeIgnoredEvent(db *gorm.DB, path string) (bool, error) {
	path = filepath.Clean(path)
	t := now()
	if err := db.Exec(`DELETE FROM ignored_events WHERE expires_at <= ?`, t).Error; err != nil {
		return false, fmt.Errorf("purging ignored events: %w", err)
	}
	var ignored bool
	err := db.Raw(`SELECT EXISTS (SELECT 1 FROM ignored_events WHERE (src = ? OR dest = ?) AND expires_at > ?)`,
		path, path, t).Scan(&ignored).Error
	if err != nil {
		return false, fmt.Errorf("checking ignored events for %s: %w", path, err)
	}
	return ignored, nil
}

// OrganizerMoving reports whether an unexpired ignored event records a move
// from src to dest (an empty src or dest matches any).
func OrganizerMoving(db *gorm.DB, src, dest string) (bool, error) {
	var ours bool
	err := db.Raw(`SELECT EXISTS (SELECT 1 FROM ignored_events WHERE expires_at > ?
		AND (? = '' OR src = ?) AND (? = '' OR dest = ?))`,
		now(), src, src, dest, dest).Scan(&ours).Error
	if err != nil {
		return false, fmt.Errorf("checking organizer moves: %w", err)
	}
	return ours, nil
}

// EarlierDestinations lists where organizer moves of src were going, newest
// first, expired or not.
func EarlierDestinations(db *gorm.DB, src string) ([]string, error) {
	var dests []string
	err := db.Model(&IgnoredEvent{}).Where("src = ? AND dest <> src", filepath.Clean(src)).
		Order("id DESC").Pluck("dest", &dests).Error
	if err != nil {
		return nil, fmt.Errorf("reading organizer moves of %s: %w", src, err)
	}
	return dests, nil
}

// MovesInProgress is the set of paths the organizer is moving away from now
// (unexpired ignored events).
func MovesInProgress(db *gorm.DB) (map[string]bool, error) {
	var srcs []string
	if err := db.Model(&IgnoredEvent{}).Where("expires_at > ?", now()).Pluck("src", &srcs).Error; err != nil {
		return nil, fmt.Errorf("reading organizer moves: %w", err)
	}
	out := make(map[string]bool, len(srcs))
	for _, s := range srcs {
		out[s] = true
	}
	return out, nil
}

// MoveJournal records the organizer's moves in ignored_events: the journal
// that organize.Place reads to finish or find an interrupted move, and that
// tells the watcher, in whatever process, that the move is not a user's.
type MoveJournal struct {
	DB *gorm.DB
	// TTL is how long the events of an announced move are ignored.
	TTL time.Duration
}

// Announce records that a move from src to dest is about to happen.
func (j MoveJournal) Announce(src, dest string) error { return AddIgnoredEvent(j.DB, src, dest, j.TTL) }

// AnnounceAll records that the moves are about to happen, in one transaction.
func (j MoveJournal) AnnounceAll(moves []organize.Announced) error {
	return AddIgnoredEvents(j.DB, moves, j.TTL)
}

// EarlierDestinations lists where earlier moves of src were going.
func (j MoveJournal) EarlierDestinations(src string) ([]string, error) {
	return EarlierDestinations(j.DB, src)
}
