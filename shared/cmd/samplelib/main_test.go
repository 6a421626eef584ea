package main

import (
	"io/fs"
	"path/filepath"
	"testing"
)

func TestRunWritesTheLibrary(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "library")
	if err := run(out, 100, 1); err != nil {
		t.Fatal(err)
	}
	var count int
	filepath.WalkDir(out, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			count++
		}
		return err
	})
	if count != 100 {
		t.Errorf("want 100 files on disk, got %d", count)
	}
	if err := run("", 0, 1); err == nil {
		t.Error("run without -out succeeded")
	}
}
