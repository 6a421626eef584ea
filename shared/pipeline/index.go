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
	"time"

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

// generateLibrary writes the library index (temp file, fsync, rename).
func (t *tasks) generateLibrary(ctx context.Context, job *queue.Job, _ GenerateLibraryArgs) error {
	idx, err := t.buildIndex(ctx, job)
	if err != nil {
		return err
	}
	path := LibraryIndexPath(t.DataDir)
	if t.Documents != nil {
		return t.publishIndex(ctx, job, idx, path)
	}
	if old, err := readIndexHash(path); err == nil && old == idx.Hash {
		job.Log.Info("library index unchanged", "hash", idx.Hash)
		return job.SetResult(GenerateLibraryResult{Hash: idx.Hash})
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { return encodeIndex(w, idx) }); err != nil {
		return err
	}
	job.Log.Info("library index written", "path", path, "titles", len(idx.Titles), "hash", idx.Hash)
	return job.SetResult(GenerateLibraryResult{Hash: idx.Hash, Written: true, Titles: len(idx.Titles)})
}

// publishIndex stores the index as the LibraryIndex document, which the api serves on
// PostgreSQL, and keeps a copy in the local data folder.
func (t *tasks) publishIndex(ctx context.Context, job *queue.Job, idx LibraryIndex, path string) error {
	if stored, _, err := t.Documents.Get(ctx, document.LibraryIndex); err == nil && indexHash(stored) == idx.Hash {
		job.Log.Info("library index unchanged", "hash", idx.Hash)
		return job.SetResult(GenerateLibraryResult{Hash: idx.Hash})
	} else if err != nil && !errors.Is(err, document.ErrNotFound) {
		return err
	}
	var buf bytes.Buffer
	if err := encodeIndex(&buf, idx); err != nil {
		return err
	}
	data := buf.Bytes()
	meta, err := t.Documents.Put(ctx, document.LibraryIndex, data, document.Any)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		job.Log.Warn("library index not copied to the local data folder", "path", path, "err", err)
	}
	job.Log.Info("library index stored in the database", "revision", meta.Revision, "titles", len(idx.Titles), "hash", idx.Hash)
	return job.SetResult(GenerateLibraryResult{Hash: idx.Hash, Written: true, Titles: len(idx.Titles)})
}

func (t *tasks) buildIndex(ctx context.Context, job *queue.Job) (LibraryIndex, error) {
	db := t.db(ctx)
	titles, err := catalog.Titles(db)
	if err != nil {
		return LibraryIndex{}, err
	}
	apps, err := catalog.AllApps(db)
	if err != nil {
		return LibraryIndex{}, err
	}
	files, err := catalog.PathsByApp(db)
	if err != nil {
		return LibraryIndex{}, err
	}
	unidentified, err := catalog.UnidentifiedByPath(db)
	if err != nil {
		return LibraryIndex{}, err
	}
	notes, err := catalog.NotedFilesByTitle(db)
	if err != nil {
		return LibraryIndex{}, err
	}
	// DLC names and release dates come from the title database; the index
	// is still worth writing without them.
	dlcName := func(string) string { return "" }
	releaseDate := func(string) string { return "" }
	updateDates := func(string) map[int]string { return nil }
	if tdb, release, err := t.titles(ctx, job); err == nil {
		defer release()
		dlcName = func(id string) string { info, _ := tdb.Title(id); return info.Name }
		releaseDate = func(id string) string { info, _ := tdb.Title(id); return info.ReleaseDate }
		updateDates = func(id string) map[int]string {
			dates := map[int]string{}
			for _, v := range tdb.Versions(id) {
				dates[v.Version] = v.ReleaseDate
			}
			return dates
		}
	} else {
		job.Log.Warn("no title database; DLC names and release dates left out", "err", err)
	}

	byTitle := map[string]*IndexTitle{}
	idx := LibraryIndex{Titles: make([]IndexTitle, len(titles)), Unidentified: unidentified}
	for i, tt := range titles {
		idx.Titles[i] = IndexTitle{TitleID: tt.TitleID, Name: tt.Name, IconURL: tt.IconURL, BannerURL: tt.BannerURL,
			ReleaseDate: releaseDate(tt.TitleID), HasBase: tt.HasBase, UpToDate: tt.UpToDate, Complete: tt.Complete,
			Base: []IndexVersion{}, Updates: []IndexVersion{}, DLC: []IndexDLC{}, Notes: []IndexNote{}}
		byTitle[tt.TitleID] = &idx.Titles[i]
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
				dates[a.TitleID] = updateDates(a.TitleID)
			}
			v.ReleaseDate = dates[a.TitleID][a.Version]
			it.Updates = append(it.Updates, v)
		case identify.TypeDLC:
			if n := len(it.DLC); n == 0 || it.DLC[n-1].AppID != a.AppID {
				it.DLC = append(it.DLC, IndexDLC{AppID: a.AppID, Name: dlcName(a.AppID)})
			}
			d := &it.DLC[len(it.DLC)-1]
			d.Versions = append(d.Versions, v)
		}
	}
	if idx.Unidentified == nil {
		idx.Unidentified = []IndexUnidentified{}
	}
	h := sha256.New()
	if err := encodeIndexContent(h, idx, "{"); err != nil {
		return LibraryIndex{}, err
	}
	idx.Hash = hex.EncodeToString(h.Sum(nil))
	idx.GeneratedAt = time.Now().UTC()
	return idx, nil
}

// encodeIndex writes the JSON encoding of idx to w, the same bytes as
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

// encodeIndexContent writes open, then the titles and unidentified files of
// idx as json.Marshal encodes those two fields of a struct, then the closing
// brace: with open "{" these are the bytes Hash is the SHA-256 of.
func encodeIndexContent(w io.Writer, idx LibraryIndex, open string) error {
	if _, err := io.WriteString(w, open+`"titles":`); err != nil {
		return err
	}
	if err := encodeArray(w, idx.Titles); err != nil {
		return err
	}
	if _, err := io.WriteString(w, `,"unidentified":`); err != nil {
		return err
	}
	if err := encodeArray(w, idx.Unidentified); err != nil {
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

// writeFileAtomic replaces path with what write writes so that a reader sees the old
// file or the new one, never part of one, even across a crash.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
