//go:build !linux

package organize

// renameNoReplace renames old to new unless new exists. Without an atomic
// no-replace rename there is a small window between check and rename.
func renameNoReplace(oldpath, newpath string) error {
	return checkThenRename(oldpath, newpath)
}
