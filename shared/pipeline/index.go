package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/queue"
)

// LibraryIndex is the document generate_library writes to
// LibraryIndexPath: everything the web UI shows about the library.
type LibraryIndex struct {
	// Hash is the SHA-256 (hex) of the JSON encoding of Titles and
	// Unidentified: equal content, equal hash (an ETag for the api). A
	// generation that finds the same hash leaves the file alone.
	Hash         string              `json:"hash"`
	GeneratedAt  time.Time           `json:"generated_at"`
	Titles       []IndexTitle        `json:"titles"`
	Unidentified []IndexUnidentified `json:"unidentified"`
}

// IndexTitle is one title with what the library holds of it and what it
// lacks (not-owned versions and DLC the title database knows of).
type IndexTitle struct {
	TitleID   string `json:"title_id"`
	Name      string `json:"name"`
	IconURL   string `json:"icon_url"`
	BannerURL string `json:"banner_url"`
	// ReleaseDate is the base game's, from the title database ("YYYY-MM-DD"
	// or "").
	ReleaseDate string         `json:"release_date"`
	HasBase     bool           `json:"has_base"`
	UpToDate    bool           `json:"up_to_date"`
	Complete    bool           `json:"complete"`
	Base        []IndexVersion `json:"base"`
	Updates     []IndexVersion `json:"updates"`
	DLC         []IndexDLC     `json:"dlc"`
	// Notes are the files of the title identified with a note: a name
	// whose tag contradicts its id ("[UPD]" around a base game's id), a
	// name and content that disagree, content that could not be read.
	Notes []IndexNote `json:"notes"`
}

// IndexNote is a file of a title with the note of its identification.
type IndexNote struct {
	Path string `json:"path"`
	Note string `json:"note"`
}

// IndexVersion is one version of one app; Files lists the paths holding it
// (none when it is missing).
type IndexVersion struct {
	AppID   string   `json:"app_id"`
	Version int      `json:"version"`
	Owned   bool     `json:"owned"`
	Files   []string `json:"files"`
	// ReleaseDate is an update version's release date from versions.json
	// ("YYYY-MM-DD"; "" when unknown or not an update).
	ReleaseDate string `json:"release_date"`
}

// IndexDLC is one DLC of a title with its known versions.
type IndexDLC struct {
	AppID    string         `json:"app_id"`
	Name     string         `json:"name"`
	Versions []IndexVersion `json:"versions"`
}

// IndexUnidentified is a game file that could not be identified, and why.
type IndexUnidentified = catalog.Unidentified

// indexPage is how many titles generate_library reads from the catalog and
// encodes at a time: a large library's index is never held whole.
var indexPage = 500 // a variable for the tests

// generateLibrary writes the library index (temp file, fsync, rename). The
// index is built and encoded a page of titles at a time straight into the
// temporary file, its hash computed on the way; a generation that finds the
// hash already there removes the temporary file and leaves the index alone.
func (t *tasks) generateLibrary(ctx context.Context, job *queue.Job, _ GenerateLibraryArgs) error {
	path := LibraryIndexPath(t.DataDir)
	tmp, hash, titles, err := t.streamIndex(ctx, job, path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // no-op after the rename
	if t.Documents != nil {
		return t.publishIndex(ctx, job, tmp, hash, titles, path)
	}
	if old, err := readIndexHash(path); err == nil && old == hash {
		job.Log.Info("library index unchanged", "hash", hash)
		return job.SetResult(GenerateLibraryResult{Hash: hash})
	}
	if err := renameSynced(tmp, path); err != nil {
		return err
	}
	job.Log.Info("library index written", "path", path, "titles", titles, "hash", hash)
	return job.SetResult(GenerateLibraryResult{Hash: hash, Written: true, Titles: titles})
}

// publishIndex stores the index streamed into tmp as the LibraryIndex
// document, which the api serves on PostgreSQL, and keeps it as the copy in
// the local data folder.
func (t *tasks) publishIndex(ctx context.Context, job *queue.Job, tmp, hash string, titles int, path string) error {
	if stored, _, err := t.Documents.Get(ctx, document.LibraryIndex); err == nil && indexHash(stored) == hash {
		job.Log.Info("library index unchanged", "hash", hash)
		return job.SetResult(GenerateLibraryResult{Hash: hash})
	} else if err != nil && !errors.Is(err, document.ErrNotFound) {
		return err
	}
	data, err := os.ReadFile(tmp)
	if err != nil {
		return fmt.Errorf("reading the library index back: %w", err)
	}
	meta, err := t.Documents.Put(ctx, document.LibraryIndex, data, document.Any)
	if err != nil {
		return err
	}
	data = nil
	if err := renameSynced(tmp, path); err != nil {
		job.Log.Warn("library index not copied to the local data folder", "path", path, "err", err)
	}
	job.Log.Info("library index stored in the database", "revision", meta.Revision, "titles", titles, "hash", hash)
	return job.SetResult(GenerateLibraryResult{Hash: hash, Written: true, Titles: titles})
}

// streamIndex encodes the index into a new temporary file beside path
// (synced, not yet renamed): the bytes encodeIndex writes, the hash placed
// at the file's start once the content is through. With a document store
// and no usable data folder the file goes to the system's temporary folder.
func (t *tasks) streamIndex(ctx context.Context, job *queue.Job, path string) (tmp, hash string, titles int, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if t.Documents == nil {
			return "", "", 0, fmt.Errorf("writing %s: %w", path, err)
		}
		dir = ""
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil && t.Documents != nil && dir != "" {
		f, err = os.CreateTemp("", "."+filepath.Base(path)+".tmp-*")
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	fail := func(err error) (string, string, int, error) {
		f.Close()
		os.Remove(f.Name())
		return "", "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	at, err := json.Marshal(time.Now().UTC())
	if err != nil {
		return fail(err)
	}
	// A hash is 64 hex digits: the header keeps its length when the real
	// one replaces the zeros.
	const hashAt = len(`{"hash":"`)
	bw := bufio.NewWriterSize(f, 64<<10)
	if _, err := bw.WriteString(`{"hash":"` + strings.Repeat("0", sha256.Size*2) + `","generated_at":` + string(at) + `,`); err != nil {
		return fail(err)
	}
	h := sha256.New()
	h.Write([]byte("{"))
	titles, err = t.encodeIndexPages(ctx, job, io.MultiWriter(bw, h))
	if err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	hash = hex.EncodeToString(h.Sum(nil))
	if _, err := f.WriteAt([]byte(hash), int64(hashAt)); err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Name(), hash, titles, nil
}

// renameSynced renames tmp to path and syncs path's folder.
func renameSynced(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// indexLookups are what the index takes from the title database.
type indexLookups struct {
	dlcName     func(string) string
	releaseDate func(string) string
	updateDates func(string) map[int]string
}

// encodeIndexPages writes the index's titles and unidentified files the
// way encodeIndexContent does after its open, reading the catalog a page of
// titles at a time, and returns how many titles it wrote.
func (t *tasks) encodeIndexPages(ctx context.Context, job *queue.Job, w io.Writer) (int, error) {
	db := t.db(ctx)
	ids, err := catalog.TitleIDsByName(db)
	if err != nil {
		return 0, err
	}
	unidentified, err := catalog.UnidentifiedByPath(db)
	if err != nil {
		return 0, err
	}
	// DLC names and release dates come from the title database; the index
	// is still worth writing without them.
	lk := indexLookups{
		dlcName:     func(string) string { return "" },
		releaseDate: func(string) string { return "" },
		updateDates: func(string) map[int]string { return nil },
	}
	if tdb, release, err := t.titles(ctx, job); err == nil {
		defer release()
		lk.dlcName = func(id string) string { info, _ := tdb.Title(id); return info.Name }
		lk.releaseDate = func(id string) string { info, _ := tdb.Title(id); return info.ReleaseDate }
		lk.updateDates = func(id string) map[int]string {
			dates := map[int]string{}
			for _, v := range tdb.Versions(id) {
				dates[v.Version] = v.ReleaseDate
			}
			return dates
		}
	} else {
		job.Log.Warn("no title database; DLC names and release dates left out", "err", err)
	}
	if unidentified == nil {
		unidentified = []IndexUnidentified{}
	}
	var n int
	pages := func(yield func(*IndexTitle) error) error {
		for start := 0; start < len(ids); start += indexPage {
			page, err := indexTitles(db, ids[start:min(start+indexPage, len(ids))], lk)
			if err != nil {
				return err
			}
			for i := range page {
				if err := yield(&page[i]); err != nil {
					return err
				}
			}
			n += len(page)
		}
		return nil
	}
	return n, encodeIndexParts(w, "", pages, unidentified)
}

// indexTitles builds the index's entries of the titles with the given ids,
// in that order (ids no title has any more are left out).
func indexTitles(db *gorm.DB, ids []string, lk indexLookups) ([]IndexTitle, error) {
	rows, err := catalog.TitlesByID(db, ids)
	if err != nil {
		return nil, err
	}
	apps, err := catalog.AppsOfTitles(db, ids)
	if err != nil {
		return nil, err
	}
	files, err := catalog.PathsOfTitles(db, ids)
	if err != nil {
		return nil, err
	}
	notes, err := catalog.NotedFilesOfTitles(db, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]catalog.Title, len(rows))
	for _, tt := range rows {
		byID[tt.TitleID] = tt
	}
	out := make([]IndexTitle, 0, len(rows))
	for _, id := range ids {
		tt, ok := byID[id]
		if !ok {
			continue
		}
		out = append(out, IndexTitle{TitleID: tt.TitleID, Name: tt.Name, IconURL: tt.IconURL, BannerURL: tt.BannerURL,
			ReleaseDate: lk.releaseDate(tt.TitleID), HasBase: tt.HasBase, UpToDate: tt.UpToDate, Complete: tt.Complete,
			Base: []IndexVersion{}, Updates: []IndexVersion{}, DLC: []IndexDLC{}, Notes: []IndexNote{}})
	}
	byTitle := make(map[string]*IndexTitle, len(out))
	for i := range out {
		byTitle[out[i].TitleID] = &out[i]
	}
	for _, n := range notes {
		if it := byTitle[n.TitleID]; it != nil {
			it.Notes = append(it.Notes, IndexNote{Path: n.Path, Note: n.Note})
		}
	}
	dates := map[string]map[int]string{}
	for _, a := range apps {
		it := byTitle[a.TitleID]
		if it == nil {
			continue
		}
		v := IndexVersion{AppID: a.AppID, Version: a.Version, Owned: a.Owned, Files: files[a.ID]}
		if v.Files == nil {
			v.Files = []string{}
		}
		switch a.Type {
		case identify.TypeBase:
			it.Base = append(it.Base, v)
		case identify.TypeUpdate:
			if dates[a.TitleID] == nil {
				dates[a.TitleID] = lk.updateDates(a.TitleID)
			}
			v.ReleaseDate = dates[a.TitleID][a.Version]
			it.Updates = append(it.Updates, v)
		case identify.TypeDLC:
			if n := len(it.DLC); n == 0 || it.DLC[n-1].AppID != a.AppID {
				it.DLC = append(it.DLC, IndexDLC{AppID: a.AppID, Name: lk.dlcName(a.AppID)})
			}
			d := &it.DLC[len(it.DLC)-1]
			d.Versions = append(d.Versions, v)
		}
	}
	return out, nil
}

// encodeIndexContent writes open, then the titles and unidentified files of
// idx as json.Marshal encodes those two fields of a struct, then the closing
// brace: with open "{" these are the bytes Hash is the SHA-256 of.
func encodeIndexContent(w io.Writer, idx LibraryIndex, open string) error {
	if idx.Titles == nil {
		if _, err := io.WriteString(w, open+`"titles":null`); err != nil {
			return err
		}
		return encodeIndexTail(w, idx.Unidentified)
	}
	return encodeIndexParts(w, open, func(yield func(*IndexTitle) error) error {
		for i := range idx.Titles {
			if err := yield(&idx.Titles[i]); err != nil {
				return err
			}
		}
		return nil
	}, idx.Unidentified)
}

// encodeIndexParts is encodeIndexContent with the titles coming from
// titles, which calls yield with each in turn: the pages of a catalog too
// large to hold its index whole.
func encodeIndexParts(w io.Writer, open string, titles func(yield func(*IndexTitle) error) error, unidentified []IndexUnidentified) error {
	if _, err := io.WriteString(w, open+`"titles":`); err != nil {
		return err
	}
	sep := "["
	err := titles(func(it *IndexTitle) error {
		data, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("encoding the library index: %w", err)
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		sep = ","
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if sep == "[" {
		sep = "[]"
	} else {
		sep = "]"
	}
	if _, err := io.WriteString(w, sep); err != nil {
		return err
	}
	return encodeIndexTail(w, unidentified)
}

// encodeIndexTail writes the unidentified files and the closing brace.
func encodeIndexTail(w io.Writer, unidentified []IndexUnidentified) error {
	if _, err := io.WriteString(w, `,"unidentified":`); err != nil {
		return err
	}
	if err := encodeArray(w, unidentified); err != nil {
		return err
	}
	_, err := io.WriteString(w, "}")
	return err
}

// encodeArray writes items as a JSON array, element by element.
func encodeArray[T any](w io.Writer, items []T) error {
	if items == nil {
		_, err := io.WriteString(w, "null")
		return err
	}
	sep := "["
	for _, item := range items {
		data, err := json.Marshal(item)
		if err != nil {
			return fmt.Errorf("encoding the library index: %w", err)
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		sep = ","
	}
	if sep == "[" {
		_, err := io.WriteString(w, "[]")
		return err
	}
	_, err := io.WriteString(w, "]")
	return err
}

// readIndexHash returns the hash of the index at path, reading only the
// start of the file, where encodeIndex puts it.
func readIndexHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return hashAtStart(bufio.NewReaderSize(f, 512))
}

// indexHash is the hash an encoded index records ("" when it cannot be read).
func indexHash(data []byte) string {
	hash, _ := hashAtStart(bytes.NewReader(data))
	return hash
}

// hashAtStart reads the hash that starts an encoded index, and nothing after it.
func hashAtStart(r io.Reader) (string, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", errors.New("not a library index")
	}
	if tok, err := dec.Token(); err != nil || tok != "hash" {
		return "", errors.New("not a library index with its hash first")
	}
	var hash string
	if err := dec.Decode(&hash); err != nil {
		return "", fmt.Errorf("reading a library index's hash: %w", err)
	}
	return hash, nil
}
