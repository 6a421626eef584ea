package titledb

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"strings"
)

// fetchArchive downloads a zip holding the titledb files and stages the
// ones in files. The archive is one resource: its validators cover all the
// files. commit is the community commit a "latest_<commit>" entry names.
func (f *fetcher) fetchArchive(ctx context.Context, u *url.URL, files []wantedFile) (changed bool, commit string, err error) {
	key := u.String()
	// Three files of up to limit bytes each, stored without compression at
	// worst.
	archiveLimit := 3 * f.limit
	resp, err := f.get(ctx, u, f.state.validators(f.dir, key), archiveLimit)
	if err != nil {
		return false, "", err
	}
	if resp == nil {
		f.log.Info("titledb archive unchanged", "url", u.Redacted())
		return false, readSourceCommit(f.dir, u.Redacted()), nil
	}
	defer resp.Body.Close()

	// zip needs random access (its directory is at the end), so the archive
	// goes to a temp file first; it is removed whatever happens.
	spool, err := os.CreateTemp(f.dir, ".archive.*"+tempSuffix)
	if err != nil {
		return false, "", fmt.Errorf("titledb: spool archive: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	size, err := io.Copy(spool, newLimitedReader(resp.Body, archiveLimit))
	if err != nil {
		return false, "", fmt.Errorf("titledb: download %s: %w", u.Redacted(), err)
	}
	zr, err := zip.NewReader(spool, size)
	if err != nil {
		return false, "", fmt.Errorf("titledb: read archive %s: %w", u.Redacted(), err)
	}

	st := &staging{dir: f.dir, limit: f.limit}
	defer st.discard()
	for _, w := range files {
		if err := stageFromArchive(st, zr, w); err != nil {
			return false, "", err
		}
	}
	commit = archiveCommit(zr)
	done, commitErr := st.commit()
	if commitErr == nil {
		rs := validatorsOf(resp)
		rs.Files = filesOf(done)
		f.state.record(key, rs)
	} else {
		// Some files may be new and some old: no validators describe that.
		f.state.forget(filesOf(done))
	}
	if err := f.state.save(f.dir); err != nil && commitErr == nil {
		f.log.Warn("titledb fetch state not saved; the next fetch downloads everything", "err", err)
	}
	if commitErr != nil {
		return len(done) > 0, "", commitErr
	}
	f.log.Info("titledb archive installed", "url", u.Redacted(), "files", sortedNames(filesOf(done)), "bytes", size, "commit", commit)
	return true, commit, nil
}

// stageFromArchive stages the entry for w: the first of its remote names
// the archive holds, by base name, preferring the shallowest entry when
// several match (a mirror's zip may hold old copies in subfolders).
func stageFromArchive(st *staging, zr *zip.Reader, w wantedFile) error {
	var found *zip.File
	for _, name := range w.remote {
		for _, zf := range zr.File {
			if zf.FileInfo().IsDir() || path.Base(zf.Name) != name {
				continue
			}
			if found == nil || strings.Count(zf.Name, "/") < strings.Count(found.Name, "/") {
				found = zf
			}
		}
		if found != nil {
			break
		}
	}
	if found == nil {
		if w.optional {
			return nil
		}
		return fmt.Errorf("titledb: archive holds no %s", strings.Join(w.remote, " or "))
	}
	// The declared size can lie (a zip bomb); the staging limit counts the
	// bytes actually inflated.
	if found.UncompressedSize64 > uint64(st.limit) {
		return fmt.Errorf("titledb: archive entry %s: %d bytes is %w of %d bytes", found.Name, found.UncompressedSize64, ErrTooLarge, st.limit)
	}
	rc, err := found.Open()
	if err != nil {
		return fmt.Errorf("titledb: open archive entry %s: %w", found.Name, err)
	}
	defer rc.Close()
	return st.add(w.local, rc)
}

// archiveCommit returns the commit of Ownfoil's "latest_<commit>" marker
// entry, "" when the archive has none.
func archiveCommit(zr *zip.Reader) string {
	for _, zf := range zr.File {
		base := path.Base(zf.Name)
		if commit, ok := strings.CutPrefix(base, latestPrefix); ok && commit != "" && len(commit) <= 64 && isAlnum(commit) {
			return commit
		}
	}
	return ""
}

func isAlnum(s string) bool {
	for i := range len(s) {
		c := s[i] | 0x20
		if (c < 'a' || c > 'z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}
