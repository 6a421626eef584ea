package titledb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// titledb's fields change type between releases and between entries (a
// number here, a string or null there). One odd field must not cost a whole
// title, so the record types below accept any JSON value and keep what makes
// sense; only broken JSON syntax fails a file.

// text accepts a string, a number (kept as written) or anything else (empty).
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	*t = ""
	switch {
	case len(b) == 0:
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(strings.TrimSpace(s))
	case b[0] == '-' || ('0' <= b[0] && b[0] <= '9'):
		*t = text(b)
	}
	return nil
}

// number accepts an integer as a number or a numeric string; anything else
// is 0.
type number int64

func (n *number) UnmarshalJSON(b []byte) error {
	*n = 0
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	*n = number(parseInt(s))
	return nil
}

func parseInt(s string) int64 {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	// Some exporters write integers as 1.0 or 6.5536e4.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0
	}
	return int64(f)
}

// textList accepts an array (non-string items are dropped), a single string
// or null.
type textList []string

func (l *textList) UnmarshalJSON(b []byte) error {
	*l = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s text
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		if s != "" {
			*l = textList{string(s)}
		}
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, item := range items {
			if len(item) > 0 && item[0] == '"' {
				var s text
				if err := s.UnmarshalJSON(item); err == nil && s != "" {
					*l = append(*l, string(s))
				}
			}
		}
	}
	return nil
}

// releaseDate turns titledb's YYYYMMDD (a number or a string) or an ISO date
// into "YYYY-MM-DD"; anything else becomes "" so callers can rely on the
// format.
func releaseDate(raw text) string {
	s := string(raw)
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		s = s[:4] + s[5:7] + s[8:10]
	}
	if len(s) != 8 {
		return ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return ""
	}
	year, month, day := n/10000, n/100%100, n%100
	if year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", year, month, day)
}
