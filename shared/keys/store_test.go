package keys

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSaveWritesTheFileOwnerOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := Save(dir, []byte(validFile()))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Has("master_key_05") || s.Has("master_key_06") {
		t.Error("Has does not follow the file")
	}
	info, err := os.Stat(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != FileMode {
		t.Errorf("mode %v, want %v", info.Mode().Perm(), os.FileMode(FileMode))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the data folder holds %d entries, want only %s", len(entries), FileName)
	}
}

func TestSaveRefusesAnInvalidFileAndKeepsTheOldOne(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Save(dir, []byte(validFile())); err != nil {
		t.Fatal(err)
	}
	if _, err := Save(dir, []byte("header_key = nothex")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
	text, err := os.ReadFile(Path(dir))
	if err != nil || string(text) != validFile() {
		t.Error("the valid keys file was replaced by an invalid one")
	}
}

func TestStoreSeesANewFileWithoutRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := NewStore(dir)
	if s, err := st.Current(); s != nil || err != nil {
		t.Fatalf("no file: %v, %v; want nil, nil", s, err)
	}
	if _, err := Save(dir, []byte(validFile())); err != nil {
		t.Fatal(err)
	}
	s, err := st.Current()
	if err != nil || len(s.MasterKeys()) != 2 {
		t.Fatalf("after save: %v, %v", s, err)
	}
	// Another process writes a file with one more master key; its mtime
	// may fall in the same clock tick, so make it differ.
	text := validFile() + "\nmaster_key_06 = " + testKeyGen + "\n"
	if err := os.WriteFile(Path(dir), []byte(text), FileMode); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(Path(dir), later, later); err != nil {
		t.Fatal(err)
	}
	if s, err := st.Current(); err != nil || len(s.MasterKeys()) != 3 {
		t.Errorf("after a change: %v, %v, want 3 master keys", s, err)
	}
	if err := os.WriteFile(Path(dir), []byte("garbage"), FileMode); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Current(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a corrupt file on disk: err = %v, want ErrCorrupt", err)
	}
}

func TestCopyKeepsTheModeAndNeedsAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dst := filepath.Join(t.TempDir(), "backup.prod.keys")
	if err := Copy(dir, dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no keys file: err = %v, want ErrNotExist", err)
	}
	if _, err := Save(dir, []byte(validFile())); err != nil {
		t.Fatal(err)
	}
	if err := Copy(dir, dst); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dst)
	if err != nil || info.Mode().Perm() != FileMode {
		t.Errorf("copy: %v, %v", info, err)
	}
	text, _ := os.ReadFile(dst)
	if !strings.Contains(string(text), "master_key_05") {
		t.Error("the copy is not the keys file")
	}
}

func TestAFileStoreReadsASecretMountedElsewhereAndAnEmptyFileIsNoKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run", "secrets", FileName)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	st := NewFileStore(path)
	if s, err := st.Current(); s != nil || err != nil {
		t.Fatalf("an empty placeholder: %v, %v; want nil, nil", s, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(validFile()), 0o400); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if s, err := st.Current(); err != nil || len(s.MasterKeys()) != 2 {
		t.Fatalf("the mounted keys: %v, %v", s, err)
	}
}
