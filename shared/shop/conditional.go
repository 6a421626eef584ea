package shop

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shelfhq/shelf/shared/catalog"
)

// Validators tell a client whether the file it holds part of is still the one served: a resume
// after the file was replaced must start again, not splice two files.
type Validators struct {
	ETag         string // strong, quoted
	LastModified time.Time
}

// ValidatorsOf a catalog file as found on disk now: the catalog id (a different file under the
// same name differs) and the size and modification time the disk reports.
func ValidatorsOf(f catalog.File, size int64, mtime time.Time) Validators {
	return Validators{
		ETag:         fmt.Sprintf(`"%x-%x-%x"`, f.ID, size, mtime.UnixNano()),
		LastModified: mtime.UTC().Truncate(time.Second),
	}
}

// Conditions are the request headers that make a download conditional.
type Conditions struct {
	IfNoneMatch, IfModifiedSince, IfRange string
}

// NotModified reports whether a GET or HEAD should be answered 304 (RFC 9110 §13.2.2): an
// If-None-Match that lists the ETag (weak comparison) or "*"; without If-None-Match, an
// If-Modified-Since no earlier than the file's time.
func (v Validators) NotModified(c Conditions) bool {
	if c.IfNoneMatch != "" {
		for _, tag := range strings.Split(c.IfNoneMatch, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == v.ETag {
				return true
			}
		}
		return false
	}
	if c.IfModifiedSince != "" {
		since, err := http.ParseTime(c.IfModifiedSince)
		return err == nil && !v.LastModified.After(since)
	}
	return false
}

// RangeApplies reports whether a Range may be honoured: always without If-Range, otherwise only
// while If-Range names this file (its strong ETag, or exactly its Last-Modified). A stale
// validator gets the whole file (200), so the client does not splice two versions.
func (v Validators) RangeApplies(c Conditions) bool {
	ifRange := strings.TrimSpace(c.IfRange)
	if ifRange == "" {
		return true
	}
	if strings.HasPrefix(ifRange, `"`) || strings.HasPrefix(ifRange, "W/") {
		return ifRange == v.ETag // strong comparison: a weak tag never matches
	}
	at, err := http.ParseTime(ifRange)
	return err == nil && at.Equal(v.LastModified)
}
