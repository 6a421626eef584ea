package settings

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireInvalid asserts that err is a ValidationError with a problem for field whose message
// contains fragment.
func requireInvalid(t *testing.T, err error, field, fragment string) {
	t.Helper()
	var ve ValidationError
	require.True(t, errors.As(err, &ve), "want a ValidationError, got %v", err)
	for _, fe := range ve.Errors {
		if fe.Field == field && strings.Contains(fe.Message, fragment) {
			return
		}
	}
	require.Failf(t, "problem not reported", "want %s: ...%s... in %v", field, fragment, ve.Errors)
}

func TestParseFillsMissingFieldsWithDefaults(t *testing.T) {
	t.Parallel()
	got, err := Parse([]byte("library:\n  paths: [/games]\nworker:\n  slots: 3\n"))
	require.NoError(t, err)
	want := Default()
	want.Library.Paths = []string{"/games"}
	want.Worker.Slots = 3
	require.Equal(t, want, got)
}

func TestParseTreatsNullSectionAsDefaults(t *testing.T) {
	t.Parallel()
	// A section whose every line is commented out is null in YAML.
	got, err := Parse([]byte("titles:\n  # region: DE\nworker:\n  slots: 2\n"))
	require.NoError(t, err)
	require.Equal(t, "US", got.Titles.Region)
	require.Equal(t, 2, got.Worker.Slots)
}

func TestParseRejectsUnknownFieldsByPath(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("library:\n  paths: []\n  management:\n    organiser:\n      enabled: true\nworkers: 2\n"))
	requireInvalid(t, err, "library.management.organiser", "unknown field (line 4)")
	requireInvalid(t, err, "workers", "unknown field (line 6)")
}

func TestParseFollowsMergeKeys(t *testing.T) {
	t.Parallel()
	got, err := Parse([]byte("x: &t {region: DE, language: de}\n"))
	requireInvalid(t, err, "x", "unknown field")
	require.Zero(t, got)

	got, err = Parse([]byte("titles:\n  <<: {region: DE, language: de}\n"))
	require.NoError(t, err)
	require.Equal(t, Titles{Region: "DE", Language: "de"}, got.Titles)

	_, err = Parse([]byte("titles:\n  <<: {regoin: DE}\n"))
	requireInvalid(t, err, "titles.regoin", "unknown field")
}

func TestParseReportsSyntaxErrorLine(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("worker:\n  slots: 2\n titles: [\n"))
	requireInvalid(t, err, "", "line 2: did not find expected key")
}

func TestParseReportsTypeErrorsByField(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("worker:\n  slots: many\n"))
	requireInvalid(t, err, "worker.slots", "line 2")
	_, err = Parse([]byte("library:\n  paths:\n    - /a\n    - [nested]\n"))
	requireInvalid(t, err, "library.paths[1]", "line 4")
}

func TestParseAddsLineToValidationMessages(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("titles:\n  region: usa\nlibrary:\n  paths:\n    - /a\n    - /a\n"))
	requireInvalid(t, err, "titles.region", "(line 2)")
	requireInvalid(t, err, "library.paths[1]", "(line 6)")
}

func TestParseRejectsWhatIsNotASettingsFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     []byte
		fragment string
	}{
		{"empty", nil, "empty"},
		{"only comments", []byte("# nothing yet\n"), "empty"},
		{"null document", []byte("~\n"), "empty"},
		{"a list", []byte("- a\n- b\n"), "must be a mapping"},
		{"a scalar", []byte("hello\n"), "must be a mapping"},
		{"two documents", []byte("worker: {slots: 2}\n---\nworker: {slots: 3}\n"), "exactly one YAML document"},
		{"binary", []byte("worker:\n  slots: 2\x00\x01\x02"), "binary data (byte 0x00 at offset 18)"},
		{"not UTF-8", []byte("titles:\n  region: \xff\xfe\n"), "not UTF-8 text (invalid byte 0xff at offset 18)"},
		{"too large", append([]byte("# "), bytes.Repeat([]byte("x"), MaxFileSize)...), "larger than"},
		{"truncated", []byte("titles:\n  region: \"U"), "line"},
		{"duplicate key", []byte("worker: {slots: 2}\nworker: {slots: 3}\n"), "already defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.data)
			requireInvalid(t, err, "", tc.fragment)
		})
	}
}

func TestParseRefusesExcessiveAliasing(t *testing.T) {
	t.Parallel()
	// A "billion laughs" document must fail fast rather than expand.
	var b strings.Builder
	b.WriteString("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(name + ": &" + name + " [")
		for i := range 9 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	_, err := Parse([]byte(b.String()))
	var ve ValidationError
	require.ErrorAs(t, err, &ve)
}
