package titledb

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseTitles checks that no input makes the parser panic or return
// ids that are not normalised.
func FuzzParseTitles(f *testing.F) {
	f.Add([]byte(testTitles))
	f.Add([]byte(`{"1": {"id": "0100aaaa00010000", "releaseDate": 1e400, "size": -1, "version": "x"}}`))
	f.Add([]byte(`{"1": {"category": [[], {}, 1]}}`))
	f.Add([]byte(`{"1": null, "2": [], "3": {"id": 5}}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		titles, err := parseTitles(bytes.NewReader(data), "fuzz.json", 1<<20)
		if err != nil {
			return
		}
		for id, title := range titles {
			if norm, ok := NormalizeID(id); !ok || norm != id || title.ID != id {
				t.Fatalf("id %q (title id %q) is not normalised", id, title.ID)
			}
			if title.Version < 0 || title.Size < 0 {
				t.Fatalf("negative version or size: %+v", title)
			}
		}
	})
}

// fuzzLimit is small enough that the fuzzer reaches inputs over it.
const fuzzLimit = 4 << 10

// checkParseError holds every parser to the same error contract: the
// message names the file, and input over the limit is ErrTooLarge, never a
// syntax error that would send the user looking for a typo.
func checkParseError(t *testing.T, data []byte, err error) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "titledb: parse fuzz.json: ") {
		t.Fatalf("error does not name the file: %v", err)
	}
	if len(data) > fuzzLimit && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%d bytes over the %d-byte limit gave %v, want ErrTooLarge", len(data), fuzzLimit, err)
	}
}

// FuzzParseCnmts: no input makes the cnmts parser panic; what it keeps has
// normalised ids, a known kind and a base title that is a normalised id.
func FuzzParseCnmts(f *testing.F) {
	f.Add([]byte(testCnmts))
	f.Add([]byte(`{"0100AAAA00010000": {"0": {"titleType": 128, "otherApplicationId": "0100aaaa00010800"}}}`))
	f.Add([]byte(`{"0100aaaa00011001": {"65536": {"titleType": 130}, "x": {"titleType": 129}, "-1": {}}}`))
	f.Add([]byte(`{"0100aaaa00010800": {"4294967296": {"titleType": "129", "otherApplicationId": 5}}}`))
	f.Add([]byte(`{"x": null, "y": [], "0100aaaa00010000": {"0": null}}`))
	f.Add([]byte(`{"0100aaaa00010000": {"0": {"titleType": 1e400}}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"0100aaaa00010000": {"0": {`))
	f.Fuzz(func(t *testing.T, data []byte) {
		apps, err := parseCnmts(bytes.NewReader(data), "fuzz.json", fuzzLimit)
		if err != nil {
			checkParseError(t, data, err)
			return
		}
		if len(data) > fuzzLimit {
			t.Fatalf("%d bytes accepted over the %d-byte limit", len(data), fuzzLimit)
		}
		for id, byVersion := range apps {
			if norm, ok := NormalizeID(id); !ok || norm != id {
				t.Fatalf("app id %q is not normalised", id)
			}
			if len(byVersion) == 0 {
				t.Fatalf("app %s kept without versions", id)
			}
			for i, v := range byVersion {
				version, info := v.version, v.info
				if i > 0 && byVersion[i-1].version >= version {
					t.Fatalf("versions of %s not ascending and unique: %v", id, byVersion)
				}
				if version < 0 {
					t.Fatalf("negative version %d for %s", version, id)
				}
				if info.Type != KindBase && info.Type != KindUpdate && info.Type != KindDLC {
					t.Fatalf("unknown kind %q for %s", info.Type, id)
				}
				if norm, ok := NormalizeID(info.TitleID); !ok || norm != info.TitleID {
					t.Fatalf("base title %q of %s is not normalised", info.TitleID, id)
				}
				if (info.Type == KindBase) != (info.TitleID == id) {
					t.Fatalf("%s (%s) has base title %s", id, info.Type, info.TitleID)
				}
			}
		}
	})
}

// FuzzParseVersions: no input makes the versions parser panic; what it keeps
// is keyed by normalised ids with non-negative versions.
func FuzzParseVersions(f *testing.F) {
	f.Add([]byte(testVersions))
	f.Add([]byte(`{"0100aaaa00010800": {"65536": "2019-03-01", "131072": 20190401}}`))
	f.Add([]byte(`{"0100aaaa00010000": {"x": "y", "-5": null, "99999999999": "z"}}`))
	f.Add([]byte(`{"nope": {}, "0100aaaa00010000": [], "0100AAAA00010800": {"0": ["a"]}}`))
	f.Add([]byte(`{"0100aaaa00010000": {"0": "`))
	f.Add([]byte(`"string"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		versions, err := parseVersions(bytes.NewReader(data), "fuzz.json", fuzzLimit)
		if err != nil {
			checkParseError(t, data, err)
			return
		}
		if len(data) > fuzzLimit {
			t.Fatalf("%d bytes accepted over the %d-byte limit", len(data), fuzzLimit)
		}
		for id, byVersion := range versions {
			if norm, ok := NormalizeID(id); !ok || norm != id {
				t.Fatalf("title id %q is not normalised", id)
			}
			for version := range byVersion {
				if version < 0 {
					t.Fatalf("negative version %d for %s", version, id)
				}
			}
		}
	})
}

// FuzzParseLanguages: no input makes the languages.json parser panic; what
// it keeps are locales that can name a titles file.
func FuzzParseLanguages(f *testing.F) {
	f.Add([]byte(testLanguages))
	f.Add([]byte(`{"US": ["en", "en", 5, null], "../x": ["en"], "DE": "de"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		locales, err := parseLanguages(bytes.NewReader(data), "fuzz.json", fuzzLimit)
		if err != nil {
			checkParseError(t, data, err)
			return
		}
		for region, langs := range locales {
			for _, lang := range langs {
				if checkLocale(region, lang) != nil {
					t.Fatalf("kept a locale that cannot name a file: %q %q", region, lang)
				}
			}
		}
	})
}
