package titledb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
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
// rawURL is either a base URL serving titles.<REGION>.<lang>.json,
// cnmts.json and versions.json, or a URL ending in ".zip" whose archive holds
// them (found by base name, at any depth). The empty URL installs the
// embedded sample, named for region and lang.
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
	if strings.HasSuffix(strings.ToLower(u.Path), ".zip") {
		return f.fetchArchive(ctx, u, fileNames(region, lang))
	}
	return f.fetchFiles(ctx, u, fileNames(region, lang))
}

type fetcher struct {
	client *http.Client
	dir    string
	limit  int64
	log    *slog.Logger
	state  fetchState
}

// fetchFiles downloads each file from base/<name>.
func (f *fetcher) fetchFiles(ctx context.Context, base *url.URL, names []string) (bool, error) {
	st := &staging{dir: f.dir, limit: f.limit}
	defer st.discard()
	fresh := map[string]resourceState{} // by file name
	urls := map[string]string{}
	for _, name := range names {
		fileURL := base.JoinPath(name)
		key := fileURL.String()
		resp, err := f.get(ctx, fileURL, f.state.validators(f.dir, key), f.limit)
		if err != nil {
			return false, err
		}
		if resp == nil {
			f.log.Info("titledb file unchanged", "file", name)
			continue
		}
		err = st.add(name, resp.Body)
		resp.Body.Close()
		if err != nil {
			return false, err
		}
		fresh[name] = validatorsOf(resp)
		urls[name] = key
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
		return nil, fmt.Errorf("titledb: fetch %s: unexpected status %s", u.Redacted(), resp.Status)
	case resp.ContentLength > limit:
		resp.Body.Close()
		return nil, fmt.Errorf("titledb: fetch %s: %d bytes is %w of %d bytes", u.Redacted(), resp.ContentLength, ErrTooLarge, limit)
	}
	return resp, nil
}

func validatorsOf(resp *http.Response) resourceState {
	return resourceState{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
}
