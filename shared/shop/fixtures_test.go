package shop_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// clientFixture is one client's requests in testdata/clients.json.
type clientFixture struct {
	Name      string            `json:"name"`
	Client    string            `json:"client"`
	Source    string            `json:"source"`
	Headers   map[string]string `json:"headers"`
	BasicAuth []string          `json:"basic_auth"`
	Wants     string            `json:"wants"`
}

func (f clientFixture) Header() http.Header {
	h := http.Header{}
	for k, v := range f.Headers {
		h.Set(k, v)
	}
	h.Set("Host", "192.168.1.20:8465")
	if len(f.BasicAuth) == 2 {
		r := http.Request{Header: h}
		r.SetBasicAuth(f.BasicAuth[0], f.BasicAuth[1])
	}
	return h
}

func loadClientFixtures(t *testing.T) []clientFixture {
	t.Helper()
	data, err := os.ReadFile("testdata/clients.json")
	require.NoError(t, err)
	var doc struct {
		Clients []clientFixture `json:"clients"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Clients)
	return doc.Clients
}
