package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/web"
)

// answerProblem holds every answer to the same contract, whatever was asked: never a 5xx, and
// every error (4xx) is JSON of the shape {"error":{"code","message","details"}}. It returns
// what is wrong, or "" when the answer keeps the contract.
func answerProblem(method string, status int, header http.Header, body []byte) string {
	switch {
	case status >= 500:
		return fmt.Sprintf("server error %d", status)
	case status < 100 || status > 599:
		return fmt.Sprintf("status %d", status)
	case status < 400:
		return ""
	}
	if method == http.MethodHead {
		return "" // no body to check; the GET of the same request is checked instead
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Sprintf("error %d with Content-Type %q", status, ct)
	}
	var console struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &console) == nil && console.Error != "" {
		return "" // a console client route's error: the message as a string
	}
	var e struct {
		Error *struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Details []json.RawMessage `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Sprintf("error %d is not JSON (%v)", status, err)
	}
	if e.Error == nil || e.Error.Code == "" || e.Error.Message == "" || e.Error.Details == nil {
		return fmt.Sprintf("error %d without code, message and details", status)
	}
	return ""
}

// httpFuzzRequests is how many requests TestHTTPFuzzNeverFailsOrLeaks sends:
// SHELF_HTTP_FUZZ_REQUESTS, else 3000 (300 with -short).
func httpFuzzRequests(t *testing.T) int {
	if raw := os.Getenv("SHELF_HTTP_FUZZ_REQUESTS"); raw != "" {
		n, err := strconv.Atoi(raw)
		require.NoError(t, err, "SHELF_HTTP_FUZZ_REQUESTS")
		return n
	}
	if testing.Short() {
		return 300
	}
	return 3000
}

// httpFuzzSeed is SHELF_HTTP_FUZZ_SEED, else 1, so a failure can be replayed exactly.
func httpFuzzSeed(t *testing.T) uint64 {
	if raw := os.Getenv("SHELF_HTTP_FUZZ_SEED"); raw != "" {
		n, err := strconv.ParseUint(raw, 10, 64)
		require.NoError(t, err, "SHELF_HTTP_FUZZ_SEED")
		return n
	}
	return 1
}

// TestHTTPFuzzNeverFailsOrLeaks sends random and malformed requests to every route of a live api
// (a real listener, the web UI, a token, a library with a file, a symlink out of it and a stale
// catalog row outside it): bad methods, traversal in plain and encoded forms, long and unicode
// paths, null bytes, bad headers and tokens, bad query values, broken and oversized bodies.
// No answer may be a 5xx or a non-JSON error, no answer may carry a byte of a file outside the
// library and the UI, nor the token, and the server must keep answering. Requests are raw bytes
// on a TCP connection, because Go's HTTP client refuses to send most of these.
func TestHTTPFuzzNeverFailsOrLeaks(t *testing.T) {
	t.Parallel()
	b := setup(t, withToken(false), func(o *api.Options) {
		o.Static = web.FS()
		// Refusals are logged as warnings by design; a failure would be an error.
		o.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	})
	f := newHTTPFuzz(t, b)
	base := serve(t, b.app)
	addr := strings.TrimPrefix(base, "http://")

	n, seed := httpFuzzRequests(t), httpFuzzSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x5e1f))
	statuses := map[int]int{}
	closed := 0
	for i := range n {
		req := f.request(rng)
		status, header, body, err := sendRaw(addr, req)
		if err != nil && req.bodyUntilClose && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			// fasthttp reads such a body until the connection closes, then drops the
			// connection without an answer: nothing leaks, and nothing runs.
			closed++
			continue
		}
		if err != nil {
			t.Fatalf("request %d (seed %d) got no answer: %v\n%q", i, seed, err, truncate(req.raw, 600))
		}
		statuses[status]++
		if p := answerProblem(req.method, status, header, body); p != "" {
			t.Fatalf("request %d (seed %d): %s\nrequest: %q\nanswer: %s", i, seed, p, truncate(req.raw, 600), truncate(body, 600))
		}
		for _, secret := range f.secrets {
			if bytes.Contains(body, []byte(secret)) {
				t.Fatalf("request %d (seed %d) leaked %q\nrequest: %q\nanswer: %s", i, seed, secret, truncate(req.raw, 600), truncate(body, 600))
			}
		}
	}
	require.NotZero(t, statuses[http.StatusOK], "no request got through: the fuzz tests nothing")
	// Still serving, and still refusing what it refused.
	r := b.do(t, http.MethodGet, "/livez", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireError(t, b.do(t, http.MethodPost, "/api/tasks", `{"name":"echo"}`), http.StatusUnauthorized, "unauthorized")
	t.Logf("HTTP fuzz: %d requests (seed %d), statuses: %s; closed without an answer: %d", n, seed, statusMix(statuses), closed)
}

func statusMix(statuses map[int]int) string {
	codes := make([]int, 0, len(statuses))
	for c := range statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, statuses[c])
	}
	return strings.Join(parts, " ")
}

func truncate(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return append(b[:n:n], "…"...)
}

// httpFuzz generates requests for one api.
type httpFuzz struct {
	routes  []fuzzRoute
	ids     []string // values for :id
	secrets []string // text that must never appear in an answer
}

type fuzzRoute struct{ method, path string }

type fuzzRequest struct {
	method string
	raw    []byte
	// bodyUntilClose is a Transfer-Encoding other than chunked: RFC 9112 says such a request
	// ends only when the connection does.
	bodyUntilClose bool
}

func newHTTPFuzz(t *testing.T, b *testBundle) *httpFuzz {
	t.Helper()
	library := t.TempDir()
	outside := t.TempDir()
	_, err := b.set.Update([]byte(`{"library":{"paths":["` + library + `"]}}`))
	require.NoError(t, err)

	f := &httpFuzz{secrets: []string{testToken}}
	secret := func(dir, name string) string {
		text := "SHELF-FUZZ-SECRET-" + name
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
		f.secrets = append(f.secrets, text)
		return filepath.Join(dir, name)
	}
	// Files a request must never reach: beside the data folder's database, outside every
	// library, and one reachable only through a symlink in the library.
	secret(b.dataDir, "data-secret.txt")
	outsideFile := secret(outside, "outside.nsp")
	require.NoError(t, os.Symlink(outsideFile, filepath.Join(library, "link-out.nsp")))
	require.NoError(t, os.Symlink(outside, filepath.Join(library, "dir-out")))

	game := addCatalogFile(t, b, library, "Game [0100000000010000][v0].nsp", []byte("game bytes"))
	linked := addCatalogPath(t, b, library, filepath.Join(library, "link-out.nsp"), 10)
	viaDir := addCatalogPath(t, b, library, filepath.Join(library, "dir-out", "outside.nsp"), 10)
	stale := addCatalogPath(t, b, outside, outsideFile, 10)
	for _, file := range []int64{game.ID, linked.ID, viaDir.ID, stale.ID} {
		f.ids = append(f.ids, strconv.FormatInt(file, 10))
	}
	for range 3 {
		res, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", Args: map[string]any{"n": len(f.ids)}})
		require.NoError(t, err)
		f.ids = append(f.ids, strconv.FormatInt(res.Task.ID, 10))
	}
	f.ids = append(f.ids, "0", "-1", "abc", "99999999999999999999", "1e3", "0x10", " 1", "%00", "..", "%2e%2e",
		"%2F", "１", "1/..", "")
	for _, r := range b.app.GetRoutes(true) {
		f.routes = append(f.routes, fuzzRoute{r.Method, r.Path})
	}
	return f
}

var (
	fuzzMethods = []string{"GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
		"TRACE", "CONNECT", "PROPFIND", "get", "Post", "G\x00T", strings.Repeat("X", 300), ""}
	fuzzNames = []string{"x.nsp", "Game%20%5B0100000000010000%5D%5Bv0%5D.nsp", "..", "..%2f..%2fetc%2fpasswd",
		"%2e%2e%2f%2e%2e%2fdata-secret.txt", "%00", "ü.nsp", "/etc/passwd", "%2Fetc%2Fpasswd", "C:%5Cwindows"}
	fuzzTitleIDs = []string{"0100000000010000", "0100000000010800", "0100000000011001", "zzzz", "01000000000100000",
		"%00", "..", "%2e%2e"}
	// fuzzPaths are whole targets that try to climb out of the web UI or the api.
	fuzzPaths = []string{
		"/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
		"/%252e%252e/%252e%252e/etc/passwd", "/.%2e/.%2e/data-secret.txt", "/..\\..\\data-secret.txt",
		"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "//etc/passwd", "/api/../../etc/passwd",
		"/api/shop/files/1/../../../../etc/passwd", "/js/../../../etc/passwd", "/index.html/..%00/",
		"/data-secret.txt", "/shelf.db", "/settings.yaml", "/api/%2e%2e/%2e%2e/settings.yaml",
		"http://127.0.0.1/etc/passwd", "*", "", "etc/passwd", "/\x00", "/%00", "/%zz", "/%", "/api/tasks%00",
		"/api/tasks/%2e%2e", "/api/tasks/1%2fcancel", "/API/TASKS", "/api//tasks", "/api/tasks/", "/ünï/cødé",
		"/api/" + strings.Repeat("a", 5000), "/" + strings.Repeat("../", 2000) + "etc/passwd",
	}
	fuzzQueries = map[string][]string{
		"limit":        {"0", "-1", "1", "50", "1000", "1001", "99999999999999999999", "1.5", "abc", "", "%00"},
		"cursor":       {"0", "-1", "1", "abc", "99999999999999999999", "1e9", "%ff"},
		"status":       {"pending", "running", "completed", "failed", "cancelled", "waiting_for_children", "bogus", "", "%00", "FAILED"},
		"name":         {"echo", "", "%00", "ü", strings.Repeat("n", 500), "'; DROP TABLE tasks; --", "%"},
		"parent_id":    {"1", "0", "-5", "x", "99999999999999999999"},
		"unidentified": {"true", "false", "yes", "1", ""},
		"q":            {"game", "", "%", "_", "\\"},
	}
	fuzzContentTypes = []string{"application/json", "application/json", "application/json; charset=utf-8",
		"application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded",
		"multipart/form-data", "multipart/form-data; boundary=", "application/xml", "*/*", "\x00", ";;;", ""}
)

// request builds one random request for a route of the table, or now and then for a made-up path.
func (f *httpFuzz) request(rng *rand.Rand) fuzzRequest {
	route := f.routes[rng.IntN(len(f.routes))]
	method := route.method
	if rng.IntN(5) == 0 {
		method = pick(rng, fuzzMethods)
	}
	target := f.fillParams(rng, route.path)
	switch rng.IntN(12) {
	case 0:
		target = pick(rng, fuzzPaths)
	case 1:
		target += pick(rng, []string{"/..", "/../..", "/%2e%2e", "/.", "//", "/\x00", "%00", "/ü", "?", "#frag"})
	case 2:
		target = strings.TrimSuffix(target, "/") + "/" + strings.Repeat(pick(rng, []string{"a", "ü", "%41", "../"}), 1+rng.IntN(3000))
	}
	if rng.IntN(3) == 0 {
		target += f.query(rng)
	}

	var body []byte
	withBody := method != "GET" && method != "HEAD" || rng.IntN(10) == 0
	if withBody {
		body = fuzzBody(rng, route)
	}
	headers := []string{"Host: 127.0.0.1", "Connection: close"}
	switch rng.IntN(10) {
	case 0, 1, 2, 3, 4, 5:
		headers = append(headers, "Authorization: Bearer "+testToken)
	case 6:
		headers = append(headers, "Authorization: "+pick(rng, []string{"Bearer wrong", "Bearer", "Bearer ", "bearer " + testToken,
			testToken, "Basic " + testToken, "Bearer " + testToken + "x", "Bearer " + testToken[:len(testToken)-1],
			"Bearer  " + testToken + "\x00", "Bearer " + strings.Repeat("A", 1<<rng.IntN(17))}))
	case 7:
		headers = append(headers, "Authorization: Bearer "+strings.Repeat("t", 8<<10+rng.IntN(64<<10)))
	}
	if body != nil || rng.IntN(4) == 0 {
		if ct := pick(rng, fuzzContentTypes); ct != "" {
			headers = append(headers, "Content-Type: "+ct)
		}
	}
	if rng.IntN(6) == 0 {
		headers = append(headers, pick(rng, []string{"Range: bytes=0-3", "Range: bytes=5-1", "Range: bytes=-0",
			"Range: bytes=0-1,2-3", "Range: items=0-1", "Range: bytes=99999999999999999999-",
			"If-None-Match: *", "If-None-Match: \"x\", W/\"y\"", "Accept: text/html", "Accept-Encoding: gzip, br",
			"X-Request-ID: \xff\xfe", "Expect: 100-continue", "Transfer-Encoding: gzip", "Content-Length: -1",
			"Content-Length: 99999999999999999999", "X-Forwarded-For: ../../", "Cookie: a=" + strings.Repeat("b", 3000),
			"Bad Header: x", ": empty name", "X-Null: a\x00b", "X-Long: " + strings.Repeat("l", 9000)}))
	}

	version := "HTTP/1.1"
	if rng.IntN(40) == 0 {
		version = pick(rng, []string{"HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1.1 extra", "", "http/1.1"})
	}
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "%s %s %s\r\n", method, target, version)
	for _, h := range headers {
		raw.WriteString(h + "\r\n")
	}
	switch {
	case body != nil && rng.IntN(15) == 0:
		// Chunked, sometimes with a broken chunk size.
		raw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		size := strconv.FormatInt(int64(len(body)), 16)
		if rng.IntN(2) == 0 {
			size = pick(rng, []string{"zz", "-1", "ffffffffffffffffff", ""})
		}
		raw.WriteString(size + "\r\n")
		raw.Write(body)
		raw.WriteString("\r\n0\r\n\r\n")
	case body != nil:
		fmt.Fprintf(&raw, "Content-Length: %d\r\n\r\n", len(body))
		raw.Write(body)
	default:
		raw.WriteString("\r\n")
	}
	readMethod := http.MethodGet
	if method == http.MethodHead {
		readMethod = http.MethodHead
	}
	return fuzzRequest{method: readMethod, raw: raw.Bytes(), bodyUntilClose: slices.Contains(headers, "Transfer-Encoding: gzip")}
}

func (f *httpFuzz) fillParams(rng *rand.Rand, path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch p {
		case ":id":
			parts[i] = pick(rng, f.ids)
		case ":name":
			parts[i] = pick(rng, fuzzNames)
		case ":title_id":
			parts[i] = pick(rng, fuzzTitleIDs)
		}
	}
	return strings.Join(parts, "/")
}

func (f *httpFuzz) query(rng *rand.Rand) string {
	keys := make([]string, 0, len(fuzzQueries))
	for k := range fuzzQueries {
		keys = append(keys, k)
	}
	sort.Strings(keys) // map order would make the run depend on more than the seed
	var parts []string
	for range 1 + rng.IntN(3) {
		k := pick(rng, keys)
		parts = append(parts, k+"="+pick(rng, fuzzQueries[k]))
	}
	if rng.IntN(8) == 0 {
		parts = append(parts, pick(rng, []string{"&&", "=", "limit", "limit=1&limit=2", "%zz=1", "a[b]=c"}))
	}
	return "?" + strings.Join(parts, "&")
}

// fuzzBodies are well-formed bodies of each kind a route takes, the starting points for damage.
var fuzzBodies = []string{
	`{"name":"echo","args":{"message":"hi","n":[1,2,{"a":null}]}}`,
	`{"name":"sleep","args":{"duration":"10ms"},"priority":3,"max_attempts":2,"delay":"1h","dedup_key":"k"}`,
	`{"name":"echo","run_after":"2030-01-02T15:04:05Z"}`,
	`{"name":"no_such_task"}`,
	`{"run_after":"2031-01-01T00:00:00Z","priority":-2}`,
	`{"priority":5}`,
	`{"worker":{"slots":3}}`,
	`{"titles":{"region":"DE","language":"de"},"scheduler":{"scan_interval":"6h"}}`,
	`{"library":{"management":{"organizer":{"enabled":true,"templates":{"base":"{titleName}/{appId}"}}}}}`,
	`{"library":{"management":{"organizer":{"templates":{"base":"../{titleName}","dlc":"/abs/{appId}"}}}}}`,
	`{"titledb":{"url":"https://example.com/titledb.zip"}}`,
	`{"path":"/nowhere"}`,
	`{}`,
}

// routeBodies are the well-formed bodies of the route's own kind.
func routeBodies(route fuzzRoute) []string {
	switch {
	case route.method == "POST" && route.path == "/api/tasks":
		return fuzzBodies[0:4]
	case route.method == "PATCH":
		return fuzzBodies[4:6]
	case strings.HasPrefix(route.path, "/api/settings"):
		return fuzzBodies[6:11]
	case route.path == "/api/library/scan":
		return fuzzBodies[11:13]
	}
	return nil
}

// fuzzBody returns a body for the route: well-formed, damaged, or junk.
func fuzzBody(rng *rand.Rand, route fuzzRoute) []byte {
	body := []byte(pick(rng, fuzzBodies))
	if own := routeBodies(route); own != nil && rng.IntN(4) != 0 {
		body = []byte(pick(rng, own))
	}
	switch rng.IntN(14) {
	case 0, 1, 2:
		return body
	case 3: // truncated
		return body[:rng.IntN(len(body))]
	case 4: // a value of the wrong type or out of range
		v := pick(rng, []string{`"x"`, `1e999`, `-1e999`, `99999999999999999999999`, `-0`, `1.5`, `true`, `null`,
			`[]`, `{}`, `"\ud800"`, `"\u0000"`, `[1,[2,[3]]]`})
		return bytes.Replace(body, []byte(`:`), []byte(`:`+v+`,"_":`), 1)
	case 5: // deep nesting
		depth := 1 + rng.IntN(200000)
		return []byte(`{"name":"echo","args":{"a":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}`)
	case 6: // over the body limit
		return append([]byte(`{"name":"echo","args":{"pad":"`), bytes.Repeat([]byte("p"), api.DefaultBodyLimit+rng.IntN(1<<20))...)
	case 7: // random bytes
		junk := make([]byte, rng.IntN(2000))
		for i := range junk {
			junk[i] = byte(rng.IntN(256))
		}
		return junk
	case 8: // not an object
		return []byte(pick(rng, []string{`null`, `[]`, `"x"`, `1`, `true`, ` `, `{}{}`, `{"a":1} trailing`, "\xef\xbb\xbf{}"}))
	case 9: // a long string value
		return []byte(`{"name":"` + strings.Repeat("n", rng.IntN(200000)) + `"}`)
	case 10: // many keys
		var b strings.Builder
		b.WriteString("{")
		for i := range rng.IntN(20000) {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(`"name":"echo"}`)
		return []byte(b.String())
	case 11: // a byte flipped
		i := rng.IntN(len(body))
		body = bytes.Clone(body)
		body[i] ^= byte(1 + rng.IntN(255))
		return body
	}
	return nil // no body at all
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// sendRaw writes raw on a new connection and reads the one answer. The deadline only stops a
// hung server from hanging the test; it is not a performance bound.
func sendRaw(addr string, req fuzzRequest) (int, http.Header, []byte, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, nil, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	// The server may answer (413, 431) and close before reading everything: a write error
	// then is expected, and the answer is still there to read.
	// Closing the write side tells the server the request is complete, so one that reads a body
	// until the end (Transfer-Encoding other than chunked) answers instead of waiting.
	go func() {
		_, _ = conn.Write(req.raw)
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, &http.Request{Method: req.method})
	for err == nil && resp.StatusCode == http.StatusContinue { // "Expect: 100-continue"
		resp, err = http.ReadResponse(r, &http.Request{Method: req.method})
	}
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the body of a %d: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// Found by the HTTP fuzz: Fiber answered an unknown method in plain text, and fasthttp's error
// for a request it cannot parse quoted the raw request, token included, back to the client.
func TestMalformedRequestsAnswerJSONWithoutEchoingThem(t *testing.T) {
	t.Parallel()
	b := setup(t, withToken(false))
	addr := strings.TrimPrefix(serve(t, b.app), "http://")
	for name, raw := range map[string]string{
		"lower-case method": "get /api/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"unknown method":    "PROPFIND /api/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"no method":         " /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + testToken + "\r\nConnection: close\r\n\r\n",
		"bad chunk size":    "POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + testToken + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
	} {
		status, header, body, err := sendRaw(addr, fuzzRequest{method: http.MethodGet, raw: []byte(raw)})
		require.NoError(t, err, name)
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", name, body)
		require.Empty(t, answerProblem(http.MethodGet, status, header, body), "%s: %s", name, body)
		require.NotContains(t, string(body), testToken, name)
		require.NotContains(t, string(body), "Host:", "%s: the request is quoted back", name)
	}
}
