package api_test

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/keys"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

type keysStatus struct {
	Present    bool     `json:"present"`
	Valid      bool     `json:"valid"`
	Error      string   `json:"error"`
	MasterKeys []string `json:"master_keys"`
	Missing    []struct {
		Name    string `json:"name"`
		Files   int    `json:"files"`
		Example string `json:"example"`
	} `json:"missing"`
}

func testKeys(seed uint64) *contenttest.Keys {
	return contenttest.NewKeys(rand.New(rand.NewPCG(seed, 3)), 0, 1, 2)
}

// requireNoKeyValue fails when body holds any key of k, in any case.
func requireNoKeyValue(t *testing.T, k *contenttest.Keys, body []byte) {
	t.Helper()
	lower := strings.ToLower(string(body))
	values := [][]byte{k.HeaderKey[:16], k.HeaderKey[16:], k.KEKGenSource[:], k.KAEKAppSource[:], k.KeyGenSource[:]}
	for _, mk := range k.MasterKeys {
		values = append(values, mk[:])
	}
	for _, v := range values {
		require.NotContains(t, lower, hex.EncodeToString(v[:8]), "an answer shows a key")
	}
}

func TestGetKeysWithoutAFile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodGet, "/api/keys", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	st := decode[keysStatus](t, r)
	require.False(t, st.Present)
	require.False(t, st.Valid)
	require.Contains(t, st.Error, "upload prod.keys")
	require.Empty(t, st.MasterKeys)
}

func TestPutKeysStoresTheFileOwnerOnlyAndShowsNoKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	k := testKeys(1)
	r := b.do(t, http.MethodPut, "/api/keys", k.Text(), "Content-Type", "text/plain")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	requireNoKeyValue(t, k, r.body)

	info, err := os.Stat(keys.Path(b.dataDir))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(keys.FileMode), info.Mode().Perm())
	saved, err := os.ReadFile(keys.Path(b.dataDir))
	require.NoError(t, err)
	require.Equal(t, string(k.Text()), string(saved))

	r = b.do(t, http.MethodGet, "/api/keys", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireNoKeyValue(t, k, r.body)
	st := decode[keysStatus](t, r)
	require.True(t, st.Present)
	require.True(t, st.Valid, "error: %s", st.Error)
	require.Equal(t, []string{"master_key_00", "master_key_01", "master_key_02"}, st.MasterKeys)
}

func TestPutKeysTakesJSONToo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, http.MethodPut, "/api/keys", map[string]string{"text": string(testKeys(2).Text())})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	requireError(t, b.do(t, http.MethodPut, "/api/keys", `{"text": 1}`), http.StatusUnprocessableEntity, "invalid_field")
	requireError(t, b.do(t, http.MethodPut, "/api/keys", `{"text":`), http.StatusBadRequest, "invalid_json")
}

func TestPutKeysRefusesAnIncompleteOrCorruptFile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	k := testKeys(3)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodPut, "/api/keys", k.Text(), "Content-Type", "text/plain").status)

	r := b.do(t, http.MethodPut, "/api/keys", k.TextWithout(keys.NameHeaderKey), "Content-Type", "text/plain")
	requireFieldError(t, r, "text")
	require.Contains(t, string(r.body), "header_key")
	requireNoKeyValue(t, k, r.body)

	corrupt := strings.Replace(string(k.Text()), "master_key_01 = ", "master_key_01 = zz", 1)
	r = b.do(t, http.MethodPut, "/api/keys", corrupt, "Content-Type", "text/plain")
	requireFieldError(t, r, "text")
	require.Contains(t, string(r.body), "master_key_01")
	requireNoKeyValue(t, k, r.body)

	requireFieldError(t, b.do(t, http.MethodPut, "/api/keys", "  \n", "Content-Type", "text/plain"), "text")

	saved, err := os.ReadFile(keys.Path(b.dataDir))
	require.NoError(t, err)
	require.Equal(t, string(k.Text()), string(saved), "the valid file stays")
}

func TestPutKeysNeedsTheToken(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *api.Options) { o.Token = testToken })
	k := testKeys(4)
	requireError(t, b.do(t, http.MethodPut, "/api/keys", k.Text(), "Content-Type", "text/plain"), http.StatusUnauthorized, "unauthorized")
	_, err := os.Stat(keys.Path(b.dataDir))
	require.ErrorIs(t, err, os.ErrNotExist)
	r := b.do(t, http.MethodPut, "/api/keys", k.Text(), "Content-Type", "text/plain", "Authorization", "Bearer "+testToken)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}

// New keys make the files identified by name, and those that failed, due
// again, and identify_library runs over every library; the status names
// the keys that files needed and the file still lacks.
func TestPutKeysIdentifiesFilesAgainAndNamesMissingKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lib, err := catalog.EnsureLibrary(b.db, filepath.Join(t.TempDir(), "games"))
	require.NoError(t, err)
	add := func(name string) catalog.File {
		f, _, err := catalog.UpsertFile(b.db, lib.ID, filepath.Join(lib.Path, name), 10, time.UnixMicro(1_700_000_000_000_000))
		require.NoError(t, err)
		return f
	}
	byName, failed := add("a [0100000000010000].nsp"), add("b.nsp")
	require.NoError(t, catalog.RecordIdentification(b.db, byName.ID,
		[]catalog.AppRef{{AppID: "0100000000010000", TitleID: "0100000000010000", Type: "base"}}, "filename", ""))
	require.NoError(t, catalog.RecordIdentificationFailure(b.db, failed.ID, "unidentifiable: 1234.cnmt.nca: needs master_key_0b"))

	r := b.do(t, http.MethodPut, "/api/keys", testKeys(5).Text(), "Content-Type", "text/plain")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	res := decode[struct {
		Keys            keysStatus `json:"keys"`
		FilesToIdentify int        `json:"files_to_identify"`
		Task            struct {
			Name string `json:"name"`
		} `json:"task"`
	}](t, r)
	require.Equal(t, 2, res.FilesToIdentify)
	require.Equal(t, pipeline.IdentifyLibrary, res.Task.Name)
	require.Len(t, res.Keys.Missing, 1)
	require.Equal(t, "master_key_0b", res.Keys.Missing[0].Name)
	require.Equal(t, 1, res.Keys.Missing[0].Files)
	require.Equal(t, failed.Path, res.Keys.Missing[0].Example)

	due, err := catalog.UnidentifiedFiles(b.db, 0, 3)
	require.NoError(t, err)
	require.Len(t, due, 2)
	tasks, _, err := b.q.List(b.ctx, queue.Filter{Name: pipeline.IdentifyLibrary, Status: queue.StatusPending})
	require.NoError(t, err)
	require.Len(t, tasks, 1)
}
