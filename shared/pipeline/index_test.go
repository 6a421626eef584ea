package pipeline

import (
	"bufio"
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

// encodeIndex, the reference generate_library streams the same bytes as, writes the JSON encoding of idx to w, the same bytes as
// json.Marshal(idx), one title at a time: the index of a large library is
// tens of megabytes, and a worker holding it twice (a growing buffer and its
// copy) doubled its peak memory.
func encodeIndex(w io.Writer, idx LibraryIndex) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	at, err := json.Marshal(idx.GeneratedAt)
	if err != nil {
		return err
	}
	head, err := json.Marshal(idx.Hash)
	if err != nil {
		return err
	}
	if err := encodeIndexContent(bw, idx, `{"hash":`+string(head)+`,"generated_at":`+string(at)+`,`); err != nil {
		return err
	}
	return bw.Flush()
}

func TestIndexHashIsReadFromTheFilesStart(t *testing.T) {
	idx := sampleIndex()
	idx.Hash = "abc123"
	path := filepath.Join(t.TempDir(), "library.json")
	var buf bytes.Buffer
	require.NoError(t, encodeIndex(&buf, idx))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	hash, err := readIndexHash(path)
	require.NoError(t, err)
	require.Equal(t, "abc123", hash)

	require.NoError(t, os.WriteFile(path, []byte(`{"titles":[]}`), 0o644))
	_, err = readIndexHash(path)
	require.Error(t, err, "an index without its hash first is not taken as unchanged")
}

// The index is read from the catalog and encoded a page of titles at a
// time: pages of one title give the same bytes, hence the same hash, as
// pages of many, and the file is what json.Marshal makes of the index it
// holds, with the hash of its titles and unidentified files.
func TestIndexIsTheSameWhateverItsPages(t *testing.T) {
	b := setup(t, nil)
	b.put(t, "Lumen Drift [0100A1B2C3D40000][v0].nsp")
	b.put(t, "Lumen Drift [0100A1B2C3D40800][v65536].nsp")
	b.put(t, "Harbor of Echoes [0100B7E4F2A60000][v0].nsp")
	b.put(t, "hocoslamfy [05000FD261232000][v0].nsp")
	b.put(t, "not a game name.nsp")
	b.startPool(t)
	b.enqueue(t, ScanLibraryArgs{LibraryPath: b.lib})
	b.waitIdle(t)
	b.run(t, GenerateLibraryArgs{})
	data, err := os.ReadFile(LibraryIndexPath(b.data))
	require.NoError(t, err)
	var idx LibraryIndex
	require.NoError(t, json.Unmarshal(data, &idx))
	require.GreaterOrEqual(t, len(idx.Titles), 2)
	require.NotEmpty(t, idx.Unidentified)
	whole, err := json.Marshal(idx)
	require.NoError(t, err)
	require.Equal(t, string(whole), string(data))
	content, err := json.Marshal(struct {
		Titles       []IndexTitle        `json:"titles"`
		Unidentified []IndexUnidentified `json:"unidentified"`
	}{idx.Titles, idx.Unidentified})
	require.NoError(t, err)
	sum := sha256.Sum256(content)
	require.Equal(t, hex.EncodeToString(sum[:]), idx.Hash)

	defer func(n int) { indexPage = n }(indexPage)
	for _, page := range []int{1, 2} {
		indexPage = page
		task := b.run(t, GenerateLibraryArgs{})
		require.JSONEq(t, `{"hash": "`+idx.Hash+`", "written": false}`, string(task.Result), "pages of %d", page)
	}
	again, err := os.ReadFile(LibraryIndexPath(b.data))
	require.NoError(t, err)
	require.Equal(t, data, again)
	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(LibraryIndexPath(b.data)), ".*tmp-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "an unchanged index leaves no temporary file")
}
