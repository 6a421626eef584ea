package admin

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/shelfhq/shelf/shared/keys"
)

// KeysBackupPath is where backup --with-keys puts the keys file beside the
// database backup at backupPath.
func KeysBackupPath(backupPath string) string { return backupPath + "." + keys.FileName }

// BackupKeys copies the keys file of dataDir beside the database backup at
// backupPath, mode 0600. The keys are secrets of the user's console, so a
// backup holds them only when asked (--with-keys); to restore them, upload
// the copy again (PUT /api/keys or the web UI).
func BackupKeys(dataDir, backupPath string, out io.Writer) error {
	dst := KeysBackupPath(backupPath)
	if err := keys.Copy(dataDir, dst); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--with-keys: there is no keys file at %s", keys.Path(dataDir))
		}
		return fmt.Errorf("copying the keys file: %w", err)
	}
	fmt.Fprintf(out, "keys file copied: %s (mode 0600)\n", dst)
	return nil
}
