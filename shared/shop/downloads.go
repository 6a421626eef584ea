package shop

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CountWindow is how long one client's downloads of one file count once: a console resumes
// and reads ranges in many requests, and those are one download.
const CountWindow = time.Minute

// download is a row of file_downloads: one client's downloads of one file.
type download struct {
	FileID    int64  `gorm:"primaryKey"`
	Client    string `gorm:"primaryKey"`
	Count     int64
	CountedAt int64 // unix µs of the last counted download
}

func (download) TableName() string { return "file_downloads" }

// CountDownload counts a download of the file by the client (a user or an address), unless
// the client's last counted download of it is less than CountWindow before now. It is one
// statement, so replicas of the api count a download once between them. counted says
// whether this one was counted.
func CountDownload(db *gorm.DB, fileID int64, client string, now time.Time) (counted bool, err error) {
	client = clientKey(client)
	at := now.UnixMicro()
	res := db.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "file_id"}, {Name: "client"}},
		DoUpdates: clause.Assignments(map[string]any{
			"count":      gorm.Expr("file_downloads.count + 1"),
			"counted_at": at,
		}),
		Where: clause.Where{Exprs: []clause.Expression{
			clause.Expr{SQL: "file_downloads.counted_at <= ?", Vars: []any{at - CountWindow.Microseconds()}},
		}},
	}).Create(&download{FileID: fileID, Client: client, Count: 1, CountedAt: at})
	if res.Error != nil {
		return false, fmt.Errorf("counting a download of file %d: %w", fileID, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// DownloadCounts returns how often each of the files was downloaded (files never downloaded
// are left out); nil ids means every file.
func DownloadCounts(db *gorm.DB, fileIDs []int64) (map[int64]int64, error) {
	var rows []struct {
		FileID int64
		Total  int64
	}
	q := db.Model(&download{}).Select("file_id, SUM(count) AS total").Group("file_id")
	if fileIDs != nil {
		if len(fileIDs) == 0 {
			return map[int64]int64{}, nil
		}
		q = q.Where("file_id IN ?", fileIDs)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading download counts: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.FileID] = r.Total
	}
	return out, nil
}

// DownloadTotal is one file's downloads by every client.
type DownloadTotal struct {
	FileID int64
	Total  int64
}

// MostDownloaded returns up to limit files' download totals, the most downloaded first (then
// by id).
func MostDownloaded(db *gorm.DB, limit int) ([]DownloadTotal, error) {
	var rows []DownloadTotal
	err := db.Model(&download{}).Select("file_id, SUM(count) AS total").Group("file_id").
		Order("total DESC, file_id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reading the most downloaded files: %w", err)
	}
	return rows, nil
}

// clientKey keeps a client's name storable on both backends (PostgreSQL refuses NUL and
// invalid UTF-8 in text) and short.
func clientKey(client string) string {
	if !utf8.ValidString(client) || strings.ContainsRune(client, 0) {
		client = fmt.Sprintf("%q", client)
	}
	if len(client) > 200 {
		client = strings.ToValidUTF8(client[:200], "")
	}
	return client
}
