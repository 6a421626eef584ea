package catalog

import (
	"fmt"

	"gorm.io/gorm"
)

// NotedFiles lists up to limit identified files that carry a note (their
// name and content disagree, or their content could not be read), newest
// first and with an id below before when it is > 0, for the library page.
func NotedFiles(db *gorm.DB, before int64, limit int) ([]File, error) {
	q := db.Where("identified = TRUE AND identification_note <> ''").Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var files []File
	err := q.Find(&files).Error
	if err != nil {
		return nil, fmt.Errorf("listing files with identification notes: %w", err)
	}
	return files, nil
}
