package titledb

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// mirror is an in-process titledb server. Each file gets an ETag and a
// Last-Modified derived from its content and honours conditional requests
// like a static file server or CDN would.
type mirror struct {
	srv *httptest.Server

	mu       sync.Mutex
	files    map[string][]byte
	broken   map[string]func(w http.ResponseWriter) // misbehaviour per path
	requests []seenRequest
}

type seenRequest struct {
	path, ifNoneMatch, ifModifiedSince string
}

func newMirror(t *testing.T) *mirror {
	m := &mirror{files: map[string][]byte{}, broken: map[string]func(http.ResponseWriter){}}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *mirror) set(path string, body []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[path] = body
	delete(m.broken, path)
}

func (m *mirror) breakWith(path string, respond func(w http.ResponseWriter)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.broken[path] = respond
}

// seen returns and forgets the requests received so far.
func (m *mirror) seen() []seenRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.requests
	m.requests = nil
	return r
}

func (m *mirror) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, seenRequest{r.URL.Path, r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")})
	body, ok := m.files[r.URL.Path]
	broken := m.broken[r.URL.Path]
	m.mu.Unlock()
	if broken != nil {
		broken(w)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(body)
	etag := fmt.Sprintf(`"%x"`, sum[:8])
	// A Last-Modified that changes with the content, without clocks.
	lastModified := fmt.Sprintf("Mon, 02 Jan 2006 15:04:%02d GMT", sum[0]%60)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", lastModified)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// Misbehaviours.

func respondStatus(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { http.Error(w, "mirror down", code) }
}

// respondStreamed sends body without a Content-Length, so only the
// streaming size check can catch an oversized file.
func respondStreamed(body []byte) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		w.Write(body)
	}
}

// respondCutOff declares the full length but drops the connection halfway.
func respondCutOff(body []byte) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
}
