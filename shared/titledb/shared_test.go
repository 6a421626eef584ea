package titledb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/storetest"
)

// TestARefreshPublishedByOneHostReachesAnotherHostsCache is two hosts without a shared folder:
// the one that refreshes publishes, the other's Sync installs the files, and its Cache reloads
// and names the title as the new file does.
func TestARefreshPublishedByOneHostReachesAnotherHostsCache(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	ctx := context.Background()
	docs := document.New(db)
	refresher, other := t.TempDir(), filepath.Join(t.TempDir(), "titledb")
	pub, sub := NewSyncer(docs, refresher), NewSyncer(docs, other)

	wrote, err := sub.Sync(ctx)
	if err != nil || wrote {
		t.Fatalf("Sync before anything was published: wrote %v, %v", wrote, err)
	}
	changed, err := pub.Refresh(ctx, func() error {
		writeTitleDB(t, refresher, testTitles, testCnmts, testVersions)
		writeFile(t, filepath.Join(refresher, stateFile), `{"resources": {}}`)
		return nil
	})
	if err != nil || !changed {
		t.Fatalf("first Refresh: changed %v, %v", changed, err)
	}
	if wrote, err := sub.Sync(ctx); err != nil || !wrote {
		t.Fatalf("Sync after the first publication: wrote %v, %v", wrote, err)
	}
	assertSameFiles(t, snapshot(t, refresher), snapshot(t, other))
	cache := NewCache(other, -1)
	tdb, release, err := cache.Acquire("US", "en")
	if err != nil {
		t.Fatal(err)
	}
	release()
	title, _ := tdb.Title("0100AAAA00010000")
	equal(t, "name before", "First Light™", title.Name)

	// A refresh that only touches the fetch validators is no change of the title database.
	changed, err = pub.Refresh(ctx, func() error {
		writeFile(t, filepath.Join(refresher, stateFile), `{"resources": {"u": {"files": {}}}}`)
		return nil
	})
	if err != nil || changed {
		t.Fatalf("Refresh of the validators only: changed %v, %v", changed, err)
	}

	renamed := strings.Replace(testTitles, "First Light™", "First Light Remastered", 1)
	changed, err = pub.Refresh(ctx, func() error {
		writeFile(t, filepath.Join(refresher, "titles.US.en.json"), renamed)
		return nil
	})
	if err != nil || !changed {
		t.Fatalf("Refresh with a renamed title: changed %v, %v", changed, err)
	}
	if wrote, err := sub.Sync(ctx); err != nil || !wrote {
		t.Fatalf("Sync after the rename: wrote %v, %v", wrote, err)
	}
	tdb, release, err = cache.Acquire("US", "en")
	if err != nil {
		t.Fatal(err)
	}
	release()
	title, _ = tdb.Title("0100AAAA00010000")
	equal(t, "name after", "First Light Remastered", title.Name)
	assertNoTempFiles(t, other)

	if wrote, err := sub.Sync(ctx); err != nil || wrote {
		t.Fatalf("Sync with nothing new: wrote %v, %v", wrote, err)
	}
}

func TestARefreshStartsFromThePublishedFilesSoTheMirrorIsAskedWithTheirValidators(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	ctx := context.Background()
	docs := document.New(db)
	first, second := t.TempDir(), t.TempDir()
	validators := `{"resources": {"https://mirror/titles.US.en.json": {"etag": "\"v1\"", "files": {}}}}`
	if _, err := NewSyncer(docs, first).Refresh(ctx, func() error {
		writeTitleDB(t, first, testTitles, testCnmts, testVersions)
		writeFile(t, filepath.Join(first, stateFile), validators)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var seen string
	changed, err := NewSyncer(docs, second).Refresh(ctx, func() error {
		b, err := os.ReadFile(filepath.Join(second, stateFile))
		seen = string(b)
		return err
	})
	if err != nil || changed {
		t.Fatalf("Refresh on the second host: changed %v, %v", changed, err)
	}
	equal(t, "validators the second host's fetch starts from", validators, seen)
}

func TestSyncRefusesAManifestNamingAPathOutsideTheFolder(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	ctx := context.Background()
	docs := document.New(db)
	if _, err := docs.Put(ctx, ManifestDocument, []byte(`{"files": {"../escape.json": "00"}}`), 0); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err := NewSyncer(docs, filepath.Join(dir, "titledb")).Sync(ctx)
	assertErrorMentions(t, err, "not a file name")
	if _, statErr := os.Stat(filepath.Join(dir, "escape.json")); !os.IsNotExist(statErr) {
		t.Fatalf("a file was written outside the folder: %v", statErr)
	}
}

// A download can take minutes; the slots of the refreshing process go on with the copy they
// have instead of waiting for it.
func TestSyncDuringTheProcesssOwnRefreshReturnsWithoutWaitingForIt(t *testing.T) {
	t.Parallel()
	_, db := storetest.Open(t)
	ctx := context.Background()
	dir := t.TempDir()
	s := NewSyncer(document.New(db), dir)
	changed, err := s.Refresh(ctx, func() error {
		// Sync holding the lock Refresh holds would never return.
		wrote, err := s.Sync(ctx)
		if err != nil || wrote {
			t.Errorf("Sync during Refresh: wrote %v, %v", wrote, err)
		}
		writeTitleDB(t, dir, testTitles, testCnmts, testVersions)
		return nil
	})
	if err != nil || !changed {
		t.Fatalf("Refresh: changed %v, %v", changed, err)
	}
}
