package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// NeededKey is a key that files of the library needed and the keys file
// lacked when they were identified.
type NeededKey struct {
	// Name is the key's name in prod.keys, e.g. "master_key_0b".
	Name string `json:"name"`
	// Files counts the files that needed it.
	Files int64 `json:"files"`
	// Example is one of those files' paths.
	Example string `json:"example"`
}

// neededKeyPattern finds the key a reason names: content identification
// words a missing key as "needs <name>" (keys.MissingKeyError).
var neededKeyPattern = regexp.MustCompile(`needs ((?:master_key|key_area_key)_[0-9a-z_]+|header_key)`)

// KeysNeeded lists the keys named by the identification errors and notes
// of the library's files, by name.
func KeysNeeded(db *gorm.DB) ([]NeededKey, error) {
	var rows []struct {
		Reason  string
		Files   int64
		Example string
	}
	// A failed file names the key in its error; one identified by ticket or
	// name in its note.
	err := db.Raw(`SELECT reason, COUNT(*) AS files, MIN(path) AS example FROM (
			SELECT identification_error AS reason, path FROM files WHERE identification_error LIKE '%needs %'
			UNION ALL
			SELECT identification_note AS reason, path FROM files WHERE identification_note LIKE '%needs %'
		) needed GROUP BY reason`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("listing the keys files needed: %w", err)
	}
	byName := map[string]*NeededKey{}
	for _, r := range rows {
		for _, m := range neededKeyPattern.FindAllStringSubmatch(r.Reason, -1) {
			k := byName[m[1]]
			if k == nil {
				k = &NeededKey{Name: m[1], Example: r.Example}
				byName[m[1]] = k
			}
			k.Files += r.Files
			if r.Example < k.Example {
				k.Example = r.Example
			}
		}
	}
	out := make([]NeededKey, 0, len(byName))
	for _, k := range byName {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b NeededKey) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// MarkForReidentification makes the files that new keys may identify
// better due for identification again: those identified by a method other
// than content (file name, ticket) and those not identified at all, with
// their attempts reset. Their apps stay linked until the new identification
// replaces them. It returns how many files it marked.
func MarkForReidentification(db *gorm.DB, contentMethod string) (int64, error) {
	res := db.Exec(`UPDATE files SET identified = FALSE, identification_attempts = 0, updated_at = ?
		WHERE identification_method <> ? OR identified = FALSE`, now(), contentMethod)
	if res.Error != nil {
		return 0, fmt.Errorf("marking files for identification: %w", res.Error)
	}
	return res.RowsAffected, nil
}
