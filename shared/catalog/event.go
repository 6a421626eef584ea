package catalog

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

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
