package organize

import (
	"io/fs"
	"os"
)

// checkThenRename is the portable fallback of renameNoReplace.
func checkThenRename(oldpath, newpath string) error {
	if exists(newpath) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}
