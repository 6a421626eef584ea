package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sampleIndex() LibraryIndex {
	return LibraryIndex{
		GeneratedAt: time.Date(2026, 12, 3, 1, 2, 3, 456789000, time.UTC),
		Titles: []IndexTitle{
			{TitleID: "0100000000010000", Name: "Süper <Mario> & \"friends\"", HasBase: true,
				Base:    []IndexVersion{{AppID: "0100000000010000", Owned: true, Files: []string{"/lib/a [x].nsp"}}},
				Updates: []IndexVersion{}, DLC: []IndexDLC{{AppID: "0100000000011001", Name: "DLC",
					Versions: []IndexVersion{{AppID: "0100000000011001", Files: []string{}}}}},
				Notes: []IndexNote{{Path: "/lib/a [x].nsp", Note: "name and content disagree"}}},
			{TitleID: "0100000000020000", Base: []IndexVersion{}, Updates: []IndexVersion{}, DLC: []IndexDLC{}, Notes: []IndexNote{}},
		},
		Unidentified: []IndexUnidentified{{Path: "/lib/odd.nsp", Error: "no title id"}},
	}
}

func TestIndexIsStreamedAsJSONMarshalEncodesIt(t *testing.T) {
	for name, idx := range map[string]LibraryIndex{
		"titles": sampleIndex(),
		"empty":  {Titles: []IndexTitle{}, Unidentified: []IndexUnidentified{}},
	} {
		t.Run(name, func(t *testing.T) {
			h := sha256.New()
			require.NoError(t, encodeIndexContent(h, idx, "{"))
			content, err := json.Marshal(struct {
				Titles       []IndexTitle        `json:"titles"`
				Unidentified []IndexUnidentified `json:"unidentified"`
			}{idx.Titles, idx.Unidentified})
			require.NoError(t, err)
			sum := sha256.Sum256(content)
			require.Equal(t, hex.EncodeToString(sum[:]), hex.EncodeToString(h.Sum(nil)),
				"the hash covers the bytes json.Marshal gives for titles and unidentified")

			idx.Hash = hex.EncodeToString(sum[:])
			var streamed bytes.Buffer
			require.NoError(t, encodeIndex(&streamed, idx))
			whole, err := json.Marshal(idx)
			require.NoError(t, err)
			require.Equal(t, string(whole), streamed.String())
		})
	}
}

func TestIndexHashIsReadFromTheFilesStart(t *testing.T) {
	idx := sampleIndex()
	idx.Hash = "abc123"
	path := filepath.Join(t.TempDir(), "library.json")
	require.NoError(t, writeFileAtomic(path, func(w io.Writer) error { return encodeIndex(w, idx) }))
	hash, err := readIndexHash(path)
	require.NoError(t, err)
	require.Equal(t, "abc123", hash)

	require.NoError(t, os.WriteFile(path, []byte(`{"titles":[]}`), 0o644))
	_, err = readIndexHash(path)
	require.Error(t, err, "an index without its hash first is not taken as unchanged")
}
