package organize

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
)

// ErrDestinationExists is returned by Move when something already has the
// destination's name. errors.Is(err, fs.ErrExist) also holds.
var ErrDestinationExists = fmt.Errorf("destination already exists: %w", fs.ErrExist)

// partialMarker is part of the name of an unfinished cross-device copy.
const partialMarker = ".partial-"

// IsPartial reports whether name is an unfinished copy left by a Move that was
// killed; scanners skip such files and may delete them.
func IsPartial(name string) bool {
	return strings.Contains(filepath.Base(name), partialMarker)
}

// GameExtensions are the file types a library holds, in lower case.
var GameExtensions = []string{".nsp", ".nsz", ".xci", ".xcz"}

// IsGameFile reports whether name is a game file shelf manages: one of
// GameExtensions in any case, and not the leftover of an interrupted copy.
// Scans and the watcher both use it, so they agree on what a library holds.
func IsGameFile(name string) bool {
	return slices.Contains(GameExtensions, strings.ToLower(filepath.Ext(name))) && !IsPartial(name)
}

// FreePath returns path if nothing exists there, otherwise the first free
// "name (2).ext", "name (3).ext"... in the same folder. The stem is shortened
// when the suffix would make the name longer than MaxNameBytes.
func FreePath(path string) string { return freePath(path, exists) }

// freePath is FreePath with occupied saying which names are not free.
func freePath(path string, occupied func(string) bool) string {
	if !occupied(path) {
		return path
	}
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	for n := 2; ; n++ {
		suffix := fmt.Sprintf(" (%d)%s", n, ext)
		candidate := filepath.Join(dir, truncateUTF8(stem, MaxNameBytes-len(suffix))+suffix)
		if !occupied(candidate) {
			return candidate
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// Move moves the regular file src to dst, creating dst's folders. It never
// replaces an existing dst. Within one file system it is a rename. Across file
// systems it copies to a temporary "<dst>.partial-<random>" beside dst, syncs
// it, renames it to dst, syncs the folder and only then removes src: a crash
// at any point leaves src, or a complete dst, or both, but never a partial
// file under dst's name. The copy keeps src's permissions and modification
// time, so a later scan sees the file as unchanged.
func Move(src, dst string) error {
	if filepath.Clean(src) == filepath.Clean(dst) {
		return nil
	}
	info, err := os.Lstat(src)
	if err != nil {
		return fmt.Errorf("moving %s: %w", src, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("moving %s: not a regular file", src)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("moving %s: %w", src, err)
	}
	err = renameNoReplace(src, dst)
	switch {
	case err == nil:
		if err := syncDir(filepath.Dir(dst)); err != nil {
			return fmt.Errorf("moving %s to %s: %w", src, dst, err)
		}
		return nil
	case errors.Is(err, syscall.EXDEV):
		return moveByCopy(src, dst)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("moving %s to %s: %w", src, dst, ErrDestinationExists)
	default:
		return fmt.Errorf("moving %s to %s: %w", src, dst, err)
	}
}

// moveByCopy is Move's cross-file-system path. It works on one file system
// too, which is how it is tested.
func moveByCopy(src, dst string) error {
	fail := func(err error) error { return fmt.Errorf("copying %s to %s: %w", src, dst, err) }
	in, err := os.Open(src)
	if err != nil {
		return fail(err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return fail(err)
	}
	if !info.Mode().IsRegular() {
		return fail(errors.New("not a regular file"))
	}
	if exists(dst) {
		return fail(ErrDestinationExists)
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	// Keep the temporary name within MaxNameBytes: CreateTemp adds up to 20 digits.
	prefix := truncateUTF8(filepath.Base(dst), MaxNameBytes-len(partialMarker)-20)
	tmp, err := os.CreateTemp(dir, prefix+partialMarker+"*")
	if err != nil {
		return fail(err)
	}
	tmpName := tmp.Name()
	installed := false
	defer func() {
		if !installed {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return fail(err)
	}
	if err := os.Chtimes(tmpName, info.ModTime(), info.ModTime()); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := renameNoReplace(tmpName, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fail(ErrDestinationExists)
		}
		return fail(err)
	}
	installed = true
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	// dst is durable; from here on a failure leaves both copies, never none.
	if err := os.Remove(src); err != nil {
		return fmt.Errorf("moved %s to %s but could not remove the source: %w", src, dst, err)
	}
	return syncDir(filepath.Dir(src))
}

// syncDir makes a rename or create in dir durable. File systems that cannot
// sync a folder (and Windows, where folders can't be opened for it) are
// accepted as they are.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}
