package titledb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Fetch refreshes the titledb files in dir with the default Options; see
// Options.Fetch.
func Fetch(ctx context.Context, client *http.Client, rawURL, dir, region, lang string, log *slog.Logger) (changed bool, err error) {
	return Options{}.Fetch(ctx, client, rawURL, dir, region, lang, log)
}

// Fetch refreshes the titledb files in dir from rawURL and reports whether
// any file changed.
//
// rawURL is either a base URL serving the titles file (as <REGION>.<lang>.json
// or titles.<REGION>.<lang>.json, see layout.go), cnmts.json, versions.json
// and optionally languages.json, or a URL ending in ".zip" whose archive
// holds them (found by base name, at any depth). The empty URL installs the
// embedded sample, named for region and lang. A successful fetch records
// where the files came from (see ReadSource).
//
// Requests are conditional (If-None-Match / If-Modified-Since from the
// validators kept in dir/.fetch.json); 304 means unchanged. New files are
// streamed to temp files under the size limit, validated by parsing, synced,
// and renamed over the old ones only once every file has passed, so a
// failed, partial or invalid download leaves all the old files in use.
//
// client nil means http.DefaultClient; log nil discards the log.
func (o Options) Fetch(ctx context.Context, client *http.Client, rawURL, dir, region, lang string, log *slog.Logger) (changed bool, err error) {
	if err := checkLocale(region, lang); err != nil {
		return false, err
	}
	limit, err := o.maxFileSize()
	if err != nil {
		return false, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("titledb: create %s: %w", dir, err)
	}
	removeStaleTemps(dir, time.Now())
	if rawURL == "" {
		return installSample(dir, region, lang, log)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false, fmt.Errorf("titledb: source URL %q is not an http(s) URL", rawURL)
	}
	f := &fetcher{client: client, dir: dir, limit: limit, log: log, state: readState(dir, log)}
	src := Source{URL: u.Redacted(), Region: region, Language: lang}
	if strings.HasSuffix(strings.ToLower(u.Path), ".zip") {
		changed, src.Commit, err = f.fetchArchive(ctx, u, wantedFiles(region, lang))
	} else {
		changed, err = f.fetchFiles(ctx, u, wantedFiles(region, lang))
	}
	if err != nil {
		return changed, err
	}
	recordSource(dir, src, changed, log)
	return changed, nil
}

type fetcher struct {
	client *http.Client
	dir    string
	limit  int64
	log    *slog.Logger
	state  fetchState
}

// fetchFiles downloads each file from base/<name>, trying the names a
// mirror may use in turn.
func (f *fetcher) fetchFiles(ctx context.Context, base *url.URL, files []wantedFile) (bool, error) {
	st := &staging{dir: f.dir, limit: f.limit}
	defer st.discard()
	fresh := map[string]resourceState{} // by local file name
	urls := map[string]string{}
	for _, w := range files {
		resp, key, err := f.getFirst(ctx, base, w)
		if err != nil {
			return false, err
		}
		if resp == nil {
			continue
		}
		err = st.add(w.local, resp.Body)
		resp.Body.Close()
		if err != nil {
			return false, err
		}
		fresh[w.local] = validatorsOf(resp)
		urls[w.local] = key
	}
	if len(st.files) == 0 {
		return false, nil
	}
	done, commitErr := st.commit()
	for _, d := range done {
		rs := fresh[d.name]
		rs.Files = map[string]int64{d.name: d.size}
		f.state.record(urls[d.name], rs)
		f.log.Info("titledb file updated", "file", d.name, "bytes", d.size)
	}
	if err := f.state.save(f.dir); err != nil && commitErr == nil {
		f.log.Warn("titledb fetch state not saved; the next fetch downloads everything", "err", err)
	}
	return len(done) > 0, commitErr
}

// getFirst GETs the first of w's remote names the mirror has. It returns a
// nil response when the file is unchanged (304) or, for an optional file,
// when the mirror has none of the names.
func (f *fetcher) getFirst(ctx context.Context, base *url.URL, w wantedFile) (*http.Response, string, error) {
	var notFound error
	for _, name := range f.knownFirst(base, w.remote) {
		fileURL := base.JoinPath(name)
		key := fileURL.String()
		resp, err := f.get(ctx, fileURL, f.state.validators(f.dir, key), f.limit)
		var status *statusError
		if errors.As(err, &status) && status.code == http.StatusNotFound {
			notFound = err
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if resp == nil {
			f.log.Info("titledb file unchanged", "file", w.local)
		}
		return resp, key, nil
	}
	if w.optional {
		f.log.Info("titledb mirror has no optional file", "file", w.local)
		return nil, "", nil
	}
	return nil, "", notFound
}

// knownFirst puts the name that answered last time first, so a mirror of
// either layout costs one request per file once it has been fetched.
func (f *fetcher) knownFirst(base *url.URL, names []string) []string {
	for i, name := range names {
		if _, ok := f.state.Resources[base.JoinPath(name).String()]; ok && i > 0 {
			return append([]string{name}, slices.Delete(slices.Clone(names), i, i+1)...)
		}
	}
	return names
}

// statusError is a response whose status is not 2xx or 304.
type statusError struct {
	url    string
	code   int
	status string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("titledb: fetch %s: unexpected status %s", e.url, e.status)
}

// get sends a GET, conditional when rs holds validators. It returns nil for
// 304 Not Modified and an error for any status that is not 2xx, or for a
// declared length over limit.
func (f *fetcher) get(ctx context.Context, u *url.URL, rs *resourceState, limit int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("titledb: fetch %s: %w", u.Redacted(), err)
	}
	if rs != nil {
		if rs.ETag != "" {
			req.Header.Set("If-None-Match", rs.ETag)
		}
		if rs.LastModified != "" {
			req.Header.Set("If-Modified-Since", rs.LastModified)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("titledb: fetch %s: %w", u.Redacted(), err)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && rs != nil:
		resp.Body.Close()
		return nil, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, &statusError{url: u.Redacted(), code: resp.StatusCode, status: resp.Status}
	case resp.ContentLength > limit:
		resp.Body.Close()
		return nil, fmt.Errorf("titledb: fetch %s: %d bytes is %w of %d bytes", u.Redacted(), resp.ContentLength, ErrTooLarge, limit)
	}
	return resp, nil
}

func validatorsOf(resp *http.Response) resourceState {
	return resourceState{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
}
