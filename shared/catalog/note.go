package catalog

import (
	"fmt"

	"gorm.io/gorm"
)

// NotedFiles lists up to limit identified files that carry a note (their
// name and content disagree, or their content could not be read), newest
// first, for the library page.
func NotedFiles(db *gorm.DB, limit int) ([]File, error) {
	var files []File
	err := db.Where("identified = TRUE AND identification_note <> ''").Order("id DESC").Limit(limit).Find(&files).Error
	if err != nil {
		return nil, fmt.Errorf("listing files with identification notes: %w", err)
	}
	return files, nil
}
