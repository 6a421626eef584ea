package settings

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMergeChangesOnlyWhatThePatchNames(t *testing.T) {
	t.Parallel()
	base := Default()
	base.Library.Paths = []string{"/games"}
	base.Titles.Region = "DE"

	got, err := Merge(base, []byte(`{"worker":{"slots":4},"library":{"management":{"organizer":{"enabled":true}}}}`))
	require.NoError(t, err)

	want := base.Clone()
	want.Worker.Slots = 4
	want.Library.Management.Organizer.Enabled = true
	require.Equal(t, want, got)
}

func TestMergeReplacesListsWithoutTouchingBase(t *testing.T) {
	t.Parallel()
	base := Default()
	base.Library.Paths = []string{"/a", "/b", "/c"}

	got, err := Merge(base, []byte(`{"library":{"paths":["/x"]}}`))
	require.NoError(t, err)
	require.Equal(t, []string{"/x"}, got.Library.Paths)
	require.Equal(t, []string{"/a", "/b", "/c"}, base.Library.Paths)

	got, err = Merge(base, []byte(`{"library":{"paths":[]}}`))
	require.NoError(t, err)
	require.Equal(t, []string{}, got.Library.Paths)
}

func TestMergeRejectsBadPatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, patch, field, fragment string
	}{
		{"unknown top level", `{"workers":{"slots":4}}`, "workers", "unknown field"},
		{"unknown nested", `{"library":{"management":{"organizer":{"enable":true}}}}`, "library.management.organizer.enable", "unknown field"},
		{"wrong case", `{"Worker":{"Slots":4}}`, "Worker", "unknown field"},
		{"null", `{"titles":{"region":null}}`, "titles.region", "must not be null"},
		{"null in list", `{"library":{"paths":["/a",null]}}`, "library.paths[1]", "must not be null"},
		{"wrong type", `{"worker":{"slots":"four"}}`, "worker.slots", "must be a whole number, got string"},
		{"fraction", `{"worker":{"slots":1.5}}`, "worker.slots", "whole number"},
		{"invalid value", `{"worker":{"slots":0}}`, "worker.slots", "between"},
		{"not an object", `[1]`, "", "must be a JSON object"},
		{"syntax", `{"worker":`, "", "invalid JSON"},
		{"trailing data", `{} {}`, "", "after the object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Merge(Default(), []byte(tc.patch))
			requireInvalid(t, err, tc.field, tc.fragment)
		})
	}
}
