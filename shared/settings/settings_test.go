package settings

import (
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultIsValidAndRoundTrips(t *testing.T) {
	t.Parallel()
	def := Default()
	require.Empty(t, def.Validate())
	require.Equal(t, "US", def.Titles.Region)
	require.Equal(t, "en", def.Titles.Language)
	require.Equal(t, 12*time.Hour, def.ScanInterval())
	require.Equal(t, min(runtime.NumCPU(), MaxSlots), def.Worker.Slots)
	require.Equal(t, "{titleName}/{appName} [{appId}][v{appVersion}]", def.Library.Management.Organizer.Templates.DLC)

	data, err := Marshal(def)
	require.NoError(t, err)
	got, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, def, got)
}

func TestEmptyMappingMeansAllDefaults(t *testing.T) {
	t.Parallel()
	got, err := Parse([]byte("{}\n"))
	require.NoError(t, err)
	require.Equal(t, Default(), got)
}

func TestYAMLAndJSONNamesAreTheSame(t *testing.T) {
	t.Parallel()
	requireSameTags(t, settingsType)
}

func requireSameTags(t *testing.T, typ reflect.Type) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		require.NotEmpty(t, f.Tag.Get("yaml"), f.Name)
		require.Equal(t, f.Tag.Get("yaml"), f.Tag.Get("json"), f.Name)
		if f.Type.Kind() == reflect.Struct {
			requireSameTags(t, f.Type)
		}
	}
}

func TestScanIntervalZeroMeansOff(t *testing.T) {
	t.Parallel()
	s := Default()
	s.Scheduler.ScanInterval = "0"
	require.Empty(t, s.Validate())
	require.Zero(t, s.ScanInterval())
	s.Scheduler.ScanInterval = "90m"
	require.Equal(t, 90*time.Minute, s.ScanInterval())
}

func TestCloneDoesNotSharePaths(t *testing.T) {
	t.Parallel()
	s := Default()
	s.Library.Paths = []string{"/games"}
	c := s.Clone()
	c.Library.Paths[0] = "/other"
	require.Equal(t, "/games", s.Library.Paths[0])
	require.False(t, s.Equal(c))

	nilPaths := Default()
	nilPaths.Library.Paths = nil
	require.True(t, nilPaths.Equal(Default()))
}

func TestChangedFieldsNamesLeaves(t *testing.T) {
	t.Parallel()
	a := Default()
	b := a.Clone()
	b.Worker.Slots = a.Worker.Slots + 1
	b.Library.Paths = []string{"/games"}
	require.Equal(t, []string{"library.paths", "worker.slots"}, changedFields(a, b))
}

func TestScanIntervalAcceptsOwnfoilsForms(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]time.Duration{"12h": 12 * time.Hour, "1d": 24 * time.Hour, "7d": 7 * 24 * time.Hour,
		"30m": 30 * time.Minute, "0": 0, "1h30m": 90 * time.Minute} {
		s := Default()
		s.Scheduler.ScanInterval = raw
		require.Empty(t, s.Validate(), raw)
		require.Equal(t, want, s.ScanInterval(), raw)
	}
	for _, raw := range []string{"d", "-1d", "1.5d", "1w", "-2h", "99999999d"} {
		s := Default()
		s.Scheduler.ScanInterval = raw
		require.NotEmpty(t, s.Validate(), raw)
	}
}
