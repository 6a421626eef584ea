package titledb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// DefaultMaxFileSize is the largest titledb file accepted when
// Options.MaxFileSize is 0. The real titles.US.en.json is a few hundred MiB;
// the limit exists so a misbehaving mirror cannot fill the disk or memory.
const DefaultMaxFileSize int64 = 512 << 20

// ErrTooLarge is matched (errors.Is) by the error for a file, download or
// archive entry over the size limit.
var ErrTooLarge = errors.New("larger than the size limit")

// limitedReader fails with ErrTooLarge once more than limit bytes have been
// read, unlike io.LimitReader, which would silently truncate and turn an
// oversized file into a confusing syntax error.
type limitedReader struct {
	r     io.Reader
	left  int64
	limit int64
	err   error // sticky: callers such as json.Decoder may read again
}

func newLimitedReader(r io.Reader, limit int64) *limitedReader {
	return &limitedReader{r: r, left: limit, limit: limit}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.left <= 0 {
		// Probe for one more byte: a file of exactly the limit is fine.
		var probe [1]byte
		n, err := l.r.Read(probe[:])
		if n > 0 {
			l.err = fmt.Errorf("%w of %d bytes", ErrTooLarge, l.limit)
			return 0, l.err
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// decodeObject streams a top-level JSON object and calls entry with each key
// while the decoder stands at that key's value; entry must consume the value.
// Streaming keeps peak memory near the size of the result instead of the file
// plus the result.
func decodeObject(r io.Reader, entry func(key string, dec *json.Decoder) error) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err == io.EOF {
		return errors.New("empty file")
	}
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("top level is %s, want a JSON object", describeToken(tok))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // the decoder guarantees object keys are strings
		if err := entry(key, dec); err != nil {
			return err
		}
	}
	// The closing brace; io.EOF here means the file stops mid-object.
	if _, err := dec.Token(); err != nil {
		if err == io.EOF {
			return fmt.Errorf("truncated: %w", io.ErrUnexpectedEOF)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return err
		}
		return errors.New("unexpected data after the top-level object")
	}
	return nil
}

func describeToken(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// decodeValue decodes the next value into v. A value of the wrong shape (an
// entry that is a string instead of an object) is reported as skip rather
// than failing the file: the decoder has consumed it whole and can go on.
func decodeValue(dec *json.Decoder, v any) (skip bool, err error) {
	err = dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return true, nil
	}
	return false, err
}

func parseError(name string, err error) error {
	if err == io.EOF {
		err = fmt.Errorf("truncated: %w", io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("titledb: parse %s: %w", name, err)
}

// parseVersionKey parses the version keys of cnmts.json and versions.json.
func parseVersionKey(s string) (int, bool) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(v), true
}
