package shop_test

import (
	"crypto/aes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/shop"
	"github.com/shelfhq/shelf/shared/storetest"
)

// Requests as each client sends them; the sources are named in testdata/clients.json.
func TestDetectTellsEachClientFromItsHeaders(t *testing.T) {
	t.Parallel()
	for _, fx := range loadClientFixtures(t) {
		require.Equal(t, shop.Client(fx.Client), shop.Detect(fx.Header()), "%s (%s)", fx.Name, fx.Source)
	}
}

func TestFiltersKeepOneKindOfFile(t *testing.T) {
	t.Parallel()
	db := openCatalog(t)
	lib, err := catalog.EnsureLibrary(db, filepath.Join(t.TempDir(), "games"))
	require.NoError(t, err)
	add := func(name string, apps ...catalog.AppRef) catalog.File {
		f, _, err := catalog.UpsertFile(db, lib.ID, filepath.Join(lib.Path, name), 10, time.Now())
		require.NoError(t, err)
		if apps != nil {
			require.NoError(t, catalog.RecordIdentification(db, f.ID, apps, "filename", ""))
		}
		return f
	}
	base := catalog.AppRef{AppID: "0100000000010000", TitleID: "0100000000010000", Type: "base"}
	update := catalog.AppRef{AppID: "0100000000010800", TitleID: "0100000000010000", Type: "update", Version: 65536}
	dlc := catalog.AppRef{AppID: "0100000000011001", TitleID: "0100000000010000", Type: "dlc"}
	add("a base.nsp", base)
	add("b update.nsp", update)
	add("c dlc.nsp", dlc)
	add("d multi.nsp", base, update, dlc)
	add("e unidentified.nsp")

	names := func(filter shop.Filter) []string {
		files, err := shop.Files(db, filter)
		require.NoError(t, err)
		var out []string
		for _, f := range files {
			out = append(out, f.Name)
		}
		return out
	}
	require.Equal(t, []string{"a base.nsp", "b update.nsp", "c dlc.nsp", "d multi.nsp", "e unidentified.nsp"}, names(shop.All))
	require.Equal(t, []string{"a base.nsp"}, names(shop.Base))
	require.Equal(t, []string{"b update.nsp"}, names(shop.Update))
	require.Equal(t, []string{"c dlc.nsp"}, names(shop.DLC))
	require.Equal(t, []string{"d multi.nsp"}, names(shop.Multi))
}

func TestIndexURLsEndInTheNameAsFragment(t *testing.T) {
	t.Parallel()
	f := catalog.File{ID: 7, Name: "Zelda #1 [0100000000010000][v0].nsp", Size: 1 << 40}
	idx := shop.NewIndex([]catalog.File{f}, "hello", "")
	data, err := json.Marshal(idx)
	require.NoError(t, err)
	require.JSONEq(t, `{"files":[{"url":"/api/shop/files/7/Zelda%20%231%20%5B0100000000010000%5D%5Bv0%5D.nsp#Zelda%20%231%20%5B0100000000010000%5D%5Bv0%5D.nsp","size":1099511627776}],
		"directories":[],"success":"hello"}`, string(data))
}

func TestEncryptedIndexDecryptsWithThePrivateKey(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	for _, files := range [][]catalog.File{nil, {{ID: 1, Name: "a.nsp", Size: 5}}, manyFiles(300)} {
		plain, err := json.Marshal(shop.NewIndex(files, "motd", "https://shop.example.com"))
		require.NoError(t, err)
		enc, err := shop.EncryptIndex(plain, &key.PublicKey)
		require.NoError(t, err)
		require.Equal(t, decryptIndex(t, enc, key), plain)
	}

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	_, err = shop.EncryptIndex([]byte("{}"), &small.PublicKey)
	require.ErrorContains(t, err, "2048")
}

// decryptIndex reads the format as Tinfoil does (see encrypt.go), with the private key.
func decryptIndex(t *testing.T, enc []byte, key *rsa.PrivateKey) []byte {
	t.Helper()
	require.GreaterOrEqual(t, len(enc), shop.EncryptedHeader)
	require.Equal(t, "TINFOIL", string(enc[:7]))
	require.Equal(t, byte(0xFD), enc[7])
	aesKey, err := rsa.DecryptOAEP(sha256.New(), nil, key, enc[8:0x108], nil)
	require.NoError(t, err)
	require.Len(t, aesKey, 16)
	size := binary.LittleEndian.Uint64(enc[0x108:0x110])
	body := enc[shop.EncryptedHeader:]
	require.Zero(t, len(body)%aes.BlockSize)
	require.Greater(t, uint64(len(body)), size, "padded with at least one byte, as Ownfoil writes it")
	block, err := aes.NewCipher(aesKey)
	require.NoError(t, err)
	plain := make([]byte, len(body))
	for i := 0; i < len(body); i += aes.BlockSize {
		block.Decrypt(plain[i:], body[i:])
	}
	require.Equal(t, make([]byte, uint64(len(plain))-size), plain[size:], "zero padding")
	dec, err := zstd.NewReader(nil)
	require.NoError(t, err)
	defer dec.Close()
	out, err := dec.DecodeAll(plain[:size], nil)
	require.NoError(t, err)
	return out
}

func manyFiles(n int) []catalog.File {
	out := make([]catalog.File, n)
	for i := range out {
		out[i] = catalog.File{ID: int64(i + 1), Name: "Game " + string(rune('A'+i%26)) + ".nsp", Size: int64(i) << 20}
	}
	return out
}

func TestListingEscapesNamesAndLinksRelatively(t *testing.T) {
	t.Parallel()
	files := []catalog.File{{ID: 1, Name: `Tom & Jerry <"x"> [0100000000010000].nsp`}, {ID: 2, Name: "plain.xci"}}
	page := string(shop.Listing("shelf", shop.FolderNames(), files))
	hrefs := regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(page, -1)
	require.Len(t, hrefs, 6)
	require.Equal(t, []string{"base/", "base/"}, hrefs[0][1:])
	require.Equal(t, "Tom%20&amp;%20Jerry%20%3C%22x%22%3E%20%5B0100000000010000%5D.nsp", hrefs[4][1])
	require.Equal(t, "Tom &amp; Jerry &lt;&#34;x&#34;&gt; [0100000000010000].nsp", hrefs[4][2])
	require.Equal(t, "plain.xci", hrefs[5][1])
	require.NotContains(t, page, `<"x">`)

	refusal := string(shop.RefusalListing("Shop needs a user.\nAsk the admin."))
	require.Contains(t, refusal, `<a href="#">ERROR</a>`)
	require.Contains(t, refusal, `<a href="#">Ask the admin.</a>`)
}

func TestConditionsFollowRFC9110(t *testing.T) {
	t.Parallel()
	mtime := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	v := shop.ValidatorsOf(catalog.File{ID: 3}, 100, mtime)
	other := shop.ValidatorsOf(catalog.File{ID: 3}, 101, mtime)
	require.NotEqual(t, v.ETag, other.ETag, "a file of another size has another tag")
	lm := v.LastModified.Format(http.TimeFormat)
	earlier := mtime.Add(-time.Hour).Format(http.TimeFormat)

	require.True(t, v.NotModified(shop.Conditions{IfNoneMatch: v.ETag}))
	require.True(t, v.NotModified(shop.Conditions{IfNoneMatch: `"x", W/` + v.ETag}))
	require.True(t, v.NotModified(shop.Conditions{IfNoneMatch: "*"}))
	require.False(t, v.NotModified(shop.Conditions{IfNoneMatch: other.ETag, IfModifiedSince: lm}), "If-None-Match wins over If-Modified-Since")
	require.True(t, v.NotModified(shop.Conditions{IfModifiedSince: lm}))
	require.False(t, v.NotModified(shop.Conditions{IfModifiedSince: earlier}))
	require.False(t, v.NotModified(shop.Conditions{IfModifiedSince: "yesterday"}))
	require.False(t, v.NotModified(shop.Conditions{}))

	require.True(t, v.RangeApplies(shop.Conditions{}))
	require.True(t, v.RangeApplies(shop.Conditions{IfRange: v.ETag}))
	require.True(t, v.RangeApplies(shop.Conditions{IfRange: lm}))
	require.False(t, v.RangeApplies(shop.Conditions{IfRange: other.ETag}))
	require.False(t, v.RangeApplies(shop.Conditions{IfRange: "W/" + v.ETag}), "If-Range compares strongly")
	require.False(t, v.RangeApplies(shop.Conditions{IfRange: earlier}))
	require.False(t, v.RangeApplies(shop.Conditions{IfRange: "junk"}))
}

func TestADownloadCountsOncePerClientAndMinute(t *testing.T) {
	t.Parallel()
	db := openCatalog(t)
	lib, err := catalog.EnsureLibrary(db, filepath.Join(t.TempDir(), "games"))
	require.NoError(t, err)
	a, _, err := catalog.UpsertFile(db, lib.ID, filepath.Join(lib.Path, "a.nsp"), 1, time.Now())
	require.NoError(t, err)
	b, _, err := catalog.UpsertFile(db, lib.ID, filepath.Join(lib.Path, "b.nsp"), 1, time.Now())
	require.NoError(t, err)

	t0 := time.Unix(1_800_000_000, 0)
	count := func(f catalog.File, client string, at time.Duration) bool {
		counted, err := shop.CountDownload(db, f.ID, client, t0.Add(at))
		require.NoError(t, err)
		return counted
	}
	require.True(t, count(a, "user:alice", 0))
	require.False(t, count(a, "user:alice", 10*time.Second), "a resume within the minute")
	require.True(t, count(a, "192.0.2.7", 10*time.Second), "another client")
	require.True(t, count(b, "user:alice", 20*time.Second), "another file")
	require.False(t, count(a, "user:alice", 59*time.Second))
	require.True(t, count(a, "user:alice", 61*time.Second), "a minute after the last counted one")
	require.True(t, count(a, "bad\x00name\xff", 0), "a client name PostgreSQL can't store is stored quoted")

	counts, err := shop.DownloadCounts(db, nil)
	require.NoError(t, err)
	require.Equal(t, map[int64]int64{a.ID: 4, b.ID: 1}, counts)
	top, err := shop.MostDownloaded(db, 5)
	require.NoError(t, err)
	require.Equal(t, []shop.DownloadTotal{{FileID: a.ID, Total: 4}, {FileID: b.ID, Total: 1}}, top)
	top, err = shop.MostDownloaded(db, 1)
	require.NoError(t, err)
	require.Len(t, top, 1)

	counts, err = shop.DownloadCounts(db, []int64{b.ID})
	require.NoError(t, err)
	require.Equal(t, map[int64]int64{b.ID: 1}, counts)

	// A file's counts go with its catalog row.
	require.NoError(t, db.Exec("DELETE FROM files WHERE id = ?", a.ID).Error)
	counts, err = shop.DownloadCounts(db, nil)
	require.NoError(t, err)
	require.Equal(t, map[int64]int64{b.ID: 1}, counts)
}

func openCatalog(t *testing.T) *gorm.DB {
	t.Helper()
	_, db := storetest.Open(t)
	return db
}

// Tinfoil's published key is a key shop.clients.tinfoil.public_key accepts and the index
// encrypts under.
func TestTinfoilsPublishedKeyIsAValidSetting(t *testing.T) {
	t.Parallel()
	s := settings.Default()
	s.Shop.Clients.Tinfoil.PublicKey = shop.TinfoilPublicKey
	require.Empty(t, s.Validate())
	key, err := s.Shop.TinfoilKey()
	require.NoError(t, err)
	enc, err := shop.EncryptIndex([]byte(`{"files":[]}`), key)
	require.NoError(t, err)
	require.Equal(t, "TINFOIL", string(enc[:7]))
}
