package organize

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFreePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name     string
		existing []string
		path     string
		want     string
	}{
		{"free", nil, "a.nsp", "a.nsp"},
		{"taken", []string{"b.nsp"}, "b.nsp", "b (2).nsp"},
		{"several taken", []string{"c.nsp", "c (2).nsp", "c (3).nsp"}, "c.nsp", "c (4).nsp"},
		{"gap is reused", []string{"d.nsp", "d (3).nsp"}, "d.nsp", "d (2).nsp"},
		{"no extension", []string{"e"}, "e", "e (2)"},
		{"long name stays within the limit", []string{strings.Repeat("f", 251) + ".nsp"}, strings.Repeat("f", 251) + ".nsp",
			strings.Repeat("f", 247) + " (2).nsp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, e := range tt.existing {
				writeFile(t, filepath.Join(dir, e), "x")
			}
			if got := FreePath(filepath.Join(dir, tt.path)); got != filepath.Join(dir, tt.want) {
				t.Fatalf("got %q, want %q", got, filepath.Join(dir, tt.want))
			}
		})
	}
}

func TestMove(t *testing.T) {
	t.Parallel()
	movers := []struct {
		name string
		move func(src, dst string) error
	}{
		{"rename", Move},
		{"copy", moveByCopy},
	}
	for _, m := range movers {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			t.Run("moves into new folders and keeps metadata", func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				src := filepath.Join(dir, "in", "game.nsp")
				dst := filepath.Join(dir, "out", "Game", "Game [0100ABCD12340000][v0].nsp")
				writeFile(t, src, "content")
				mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
				if err := os.Chtimes(src, mtime, mtime); err != nil {
					t.Fatal(err)
				}
				if err := m.move(src, dst); err != nil {
					t.Fatalf("move: %v", err)
				}
				if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("source still there: %v", err)
				}
				if got := readFile(t, dst); got != "content" {
					t.Fatalf("dst content %q", got)
				}
				info, err := os.Stat(dst)
				if err != nil {
					t.Fatal(err)
				}
				if !info.ModTime().Equal(mtime) || info.Mode().Perm() != 0o640 {
					t.Fatalf("metadata not kept: mtime %v mode %v", info.ModTime(), info.Mode())
				}
				assertNoPartials(t, filepath.Dir(dst))
			})
			t.Run("never overwrites", func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				src, dst := filepath.Join(dir, "a.nsp"), filepath.Join(dir, "b.nsp")
				writeFile(t, src, "new")
				writeFile(t, dst, "old")
				err := m.move(src, dst)
				if !errors.Is(err, ErrDestinationExists) || !errors.Is(err, fs.ErrExist) {
					t.Fatalf("err = %v, want ErrDestinationExists", err)
				}
				if readFile(t, src) != "new" || readFile(t, dst) != "old" {
					t.Fatal("files changed")
				}
				assertNoPartials(t, dir)
			})
			t.Run("missing source", func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				err := m.move(filepath.Join(dir, "nope"), filepath.Join(dir, "x"))
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("err = %v, want not exist", err)
				}
			})
		})
	}
}

func TestMoveRefusesFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Move(filepath.Join(dir, "d"), filepath.Join(dir, "e")); err == nil {
		t.Fatal("moved a folder")
	}
}

func TestMoveToItselfIsNoop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "a.nsp")
	writeFile(t, p, "x")
	if err := Move(p, filepath.Join(dir, ".", "a.nsp")); err != nil {
		t.Fatal(err)
	}
	if readFile(t, p) != "x" {
		t.Fatal("file changed")
	}
}

func TestIsPartial(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"/lib/Game.nsp.partial-123456": true,
		"Game.nsp":                     false,
		"/lib/x.partial-1/Game.nsp":    false,
	}
	for name, want := range tests {
		if got := IsPartial(name); got != want {
			t.Errorf("IsPartial(%q) = %v, want %v", name, got, want)
		}
	}
}

func assertNoPartials(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if IsPartial(e.Name()) {
			t.Fatalf("left a partial file %s", e.Name())
		}
	}
}

func TestRemoveEmptyDirs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, d := range []string{"empty", "nested/a/b/c", "keep/sub", "mixed/empty", "mixed/full"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "keep", "sub", "game.nsp"), "x")
	writeFile(t, filepath.Join(root, "mixed", "full", "game.nsp"), "x")
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(outside, "emptyOutside"), 0o755); err != nil {
		t.Fatal(err)
	}

	n, err := RemoveEmptyDirs(root)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 { // empty, nested, nested/a, nested/a/b, nested/a/b/c, mixed/empty
		t.Fatalf("removed %d, want 6", n)
	}
	for path, want := range map[string]bool{
		"":                  true,
		"empty":             false,
		"nested":            false,
		"keep/sub/game.nsp": true,
		"mixed/full":        true,
		"mixed/empty":       false,
		"link":              true,
		"link/emptyOutside": true,
	} {
		if got := exists(filepath.Join(root, path)); got != want {
			t.Errorf("%q exists = %v, want %v", path, got, want)
		}
	}

	// Root itself stays even when empty.
	empty := t.TempDir()
	if n, err := RemoveEmptyDirs(empty); err != nil || n != 0 || !exists(empty) {
		t.Fatalf("empty root: n=%d err=%v exists=%v", n, err, exists(empty))
	}
}
