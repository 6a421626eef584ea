package titledb

import (
	"bytes"
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
