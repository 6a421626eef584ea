package titledb

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"testing"
)

// lyingZip builds an archive whose versions.json declares a few bytes but inflates to size
// bytes: a zip bomb that a check of the declared size alone would let through.
func lyingZip(t *testing.T, size int) []byte {
	t.Helper()
	payload := bytes.Repeat([]byte(" "), size)
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(payload)
	fw.Close()

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"titles.US.en.json": testTitles, "cnmts.json": testCnmts} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "versions.json", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(payload),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: 64, // the lie
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A gigantic titledb in a small archive that lies about its size is refused while it inflates
// (archive/zip stops at the declared size; the staging limit would stop it next), and the
// files in use stay as they were. An entry that declares its real size is refused before it is
// opened (TestFailedZipFetchLeavesEveryOldFileInUse, "entry too large").
func TestZipBombIsStoppedAtTheLimitAndChangesNothing(t *testing.T) {
	t.Parallel()
	b := setupFetch(t)
	b.mustFetch(t)
	before := snapshot(t, b.dir)
	bomb := lyingZip(t, 1000*testLimit)
	if len(bomb) > 3*testLimit { // an archive may be three times the file limit
		t.Fatalf("the archive (%d bytes) should be small enough to download", len(bomb))
	}
	b.url = b.mirror.srv.URL + "/titledb.zip"
	b.mirror.set("/titledb.zip", bomb)

	changed, err := b.fetch(t)

	assertErrorMentions(t, err, "versions.json")
	equal(t, "changed", false, changed)
	assertSameFiles(t, before, snapshot(t, b.dir))
	assertNoTempFiles(t, b.dir)
}
