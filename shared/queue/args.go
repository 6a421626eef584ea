package queue

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// maxArgsBytes bounds a task's args: they live in every claim's row.
const maxArgsBytes = 1 << 20

// CanonicalArgs returns args as canonical JSON: an object with sorted keys,
// no insignificant whitespace and numbers in one spelling, so that equal args
// give equal dedup keys. args may be nil (→ {}), json.RawMessage, []byte or
// any value encoding/json can marshal to an object.
func CanonicalArgs(args any) ([]byte, error) {
	var raw []byte
	switch v := args.(type) {
	case nil:
		return []byte("{}"), nil
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidArgs, err)
		}
		raw = b
	}
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return []byte("{}"), nil
	}
	if len(raw) > maxArgsBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidArgs, maxArgsBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgs, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON value", ErrInvalidArgs)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: args must be a JSON object", ErrInvalidArgs)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	norm, err := normaliseNumbers(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgs, err)
	}
	if err := enc.Encode(norm); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgs, err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// normaliseNumbers rewrites numbers so 1, 1.0 and 1e0 are the same value.
// Maps need no work: encoding/json writes their keys sorted.
func normaliseNumbers(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if x[k], err = normaliseNumbers(e); err != nil {
				return nil, err
			}
		}
		return x, nil
	case []any:
		for i, e := range x {
			if x[i], err = normaliseNumbers(e); err != nil {
				return nil, err
			}
		}
		return x, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10)), nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			// Handlers decode numbers as int64 or float64: one that fits
			// neither would fail in every handler.
			return nil, fmt.Errorf("number %s is out of range", x)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return json.Number(strconv.FormatInt(int64(f), 10)), nil
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	default:
		return v, nil
	}
}

// DefaultDedupKey is the key two enqueues of the same work share: the task
// name and a hash of its canonical args.
func DefaultDedupKey(name string, canonicalArgs []byte) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(canonicalArgs)
	return name + ":" + hex.EncodeToString(h.Sum(nil)[:16])
}
