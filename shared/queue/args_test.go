package queue_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/queue"
)

func TestCanonicalArgsIgnoresKeyOrderSpacingAndNumberSpelling(t *testing.T) {
	t.Parallel()
	a, err := queue.CanonicalArgs(json.RawMessage(`{ "b": [1.0, 2e0], "a": {"y": 1, "x": "<&>"} }`))
	require.NoError(t, err)
	b, err := queue.CanonicalArgs(map[string]any{"a": map[string]any{"x": "<&>", "y": 1}, "b": []int{1, 2}})
	require.NoError(t, err)
	require.Equal(t, string(a), string(b))
	require.Equal(t, `{"a":{"x":"<&>","y":1},"b":[1,2]}`, string(a))
	require.Equal(t, queue.DefaultDedupKey("echo", a), queue.DefaultDedupKey("echo", b))
	require.NotEqual(t, queue.DefaultDedupKey("echo", a), queue.DefaultDedupKey("sleep", a))
}

func FuzzCanonicalArgs(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":[1,2,{"b":null}]}`, `{"n":1e400}`, `{"s":"\u00e9"}`, `[]`, `1`, `{"a":1.5e-7}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := queue.CanonicalArgs(json.RawMessage(in))
		if err != nil {
			return
		}
		// Canonical form is stable and still valid JSON of an object.
		again, err := queue.CanonicalArgs(json.RawMessage(c))
		if err != nil {
			t.Fatalf("canonical form %q rejected: %v", c, err)
		}
		if string(again) != string(c) {
			t.Fatalf("not idempotent: %q -> %q", c, again)
		}
		var m map[string]any
		if err := json.Unmarshal(c, &m); err != nil {
			t.Fatalf("canonical form is not an object: %q", c)
		}
		if queue.DefaultDedupKey("x", c) != queue.DefaultDedupKey("x", again) {
			t.Fatal("dedup key differs for equal args")
		}
	})
}
