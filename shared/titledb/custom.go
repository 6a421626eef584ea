package titledb

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CustomTitle is a title the user describes: homebrew, a port, a title the
// title database lacks or names wrongly (Ownfoil's /api/titledb/custom).
// Custom titles live in the database (table custom_titles, owned by this
// package) and are merged over the title database wherever it is read.
type CustomTitle struct {
	TitleID     string `gorm:"primaryKey" json:"title_id"`
	Name        string `json:"name"`
	Publisher   string `json:"publisher"`
	Description string `json:"description"`
	IconURL     string `json:"icon_url"`
	BannerURL   string `json:"banner_url"`
	ReleaseDate string `json:"release_date"`                  // "YYYY-MM-DD" or ""
	CreatedAt   int64  `gorm:"autoCreateTime:false" json:"-"` // unix µs
	UpdatedAt   int64  `gorm:"autoUpdateTime:false" json:"-"` // unix µs
}

func (CustomTitle) TableName() string { return "custom_titles" }

// ErrCustomNotFound and ErrCustomExists are matched with errors.Is.
var (
	ErrCustomNotFound = errors.New("no custom title with this id")
	ErrCustomExists   = errors.New("a custom title with this id exists")
)

// InvalidCustomError names the field of a CustomTitle that is not valid.
type InvalidCustomError struct{ Field, Message string }

func (e *InvalidCustomError) Error() string { return e.Field + ": " + e.Message }

// Normalize checks c and returns it with its id in upper case and its
// fields trimmed.
func (c CustomTitle) Normalize() (CustomTitle, error) {
	id, ok := NormalizeID(c.TitleID)
	if !ok {
		return c, &InvalidCustomError{"title_id", fmt.Sprintf("must be 16 hexadecimal digits, got %q", c.TitleID)}
	}
	c.TitleID = id
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"name", &c.Name, 512}, {"publisher", &c.Publisher, 512}, {"description", &c.Description, 8192},
		{"icon_url", &c.IconURL, 2048}, {"banner_url", &c.BannerURL, 2048}, {"release_date", &c.ReleaseDate, 10}} {
		*f.v = strings.TrimSpace(*f.v)
		if !utf8.ValidString(*f.v) || utf8.RuneCountInString(*f.v) > f.max {
			return c, &InvalidCustomError{f.name, fmt.Sprintf("must be valid UTF-8 of at most %d characters", f.max)}
		}
	}
	if c.Name == "" {
		return c, &InvalidCustomError{"name", "must not be empty"}
	}
	if c.ReleaseDate != "" {
		if _, err := time.Parse(time.DateOnly, c.ReleaseDate); err != nil {
			return c, &InvalidCustomError{"release_date", fmt.Sprintf("must be YYYY-MM-DD, got %q", c.ReleaseDate)}
		}
	}
	for _, u := range []struct{ name, v string }{{"icon_url", c.IconURL}, {"banner_url", c.BannerURL}} {
		if u.v != "" && !strings.HasPrefix(u.v, "https://") && !strings.HasPrefix(u.v, "http://") {
			return c, &InvalidCustomError{u.name, "must be an http(s) URL"}
		}
	}
	return c, nil
}

// ListCustom returns every custom title, by id.
func ListCustom(db *gorm.DB) ([]CustomTitle, error) {
	var out []CustomTitle
	if err := db.Order("title_id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing custom titles: %w", err)
	}
	return out, nil
}

// AddCustom stores a new custom title; ErrCustomExists when its id has one.
func AddCustom(db *gorm.DB, c CustomTitle) (CustomTitle, error) {
	c, err := c.Normalize()
	if err != nil {
		return c, err
	}
	c.CreatedAt = time.Now().UnixMicro()
	c.UpdatedAt = c.CreatedAt
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&c)
	if res.Error != nil {
		return c, fmt.Errorf("adding custom title %s: %w", c.TitleID, res.Error)
	}
	if res.RowsAffected == 0 {
		return c, fmt.Errorf("custom title %s: %w", c.TitleID, ErrCustomExists)
	}
	return c, nil
}

// UpdateCustom replaces the custom title with c's id; ErrCustomNotFound
// when there is none.
func UpdateCustom(db *gorm.DB, c CustomTitle) (CustomTitle, error) {
	c, err := c.Normalize()
	if err != nil {
		return c, err
	}
	c.UpdatedAt = time.Now().UnixMicro()
	res := db.Model(&CustomTitle{}).Where("title_id = ?", c.TitleID).Updates(map[string]any{
		"name": c.Name, "publisher": c.Publisher, "description": c.Description, "icon_url": c.IconURL,
		"banner_url": c.BannerURL, "release_date": c.ReleaseDate, "updated_at": c.UpdatedAt})
	if res.Error != nil {
		return c, fmt.Errorf("updating custom title %s: %w", c.TitleID, res.Error)
	}
	if res.RowsAffected == 0 {
		return c, fmt.Errorf("custom title %s: %w", c.TitleID, ErrCustomNotFound)
	}
	return c, nil
}

// DeleteCustom removes the custom title with id; ErrCustomNotFound when
// there is none.
func DeleteCustom(db *gorm.DB, titleID string) error {
	id, ok := NormalizeID(titleID)
	if !ok {
		return &InvalidCustomError{"title_id", fmt.Sprintf("must be 16 hexadecimal digits, got %q", titleID)}
	}
	res := db.Where("title_id = ?", id).Delete(&CustomTitle{})
	if res.Error != nil {
		return fmt.Errorf("deleting custom title %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("custom title %s: %w", id, ErrCustomNotFound)
	}
	return nil
}

// title is c as a Title merged over what the title database has for its id
// (base): the custom fields that are set win.
func (c CustomTitle) title(base Title) Title {
	t := base
	t.ID = c.TitleID
	for _, f := range []struct {
		dst *string
		v   string
	}{{&t.Name, c.Name}, {&t.Publisher, c.Publisher}, {&t.Description, c.Description},
		{&t.IconURL, c.IconURL}, {&t.BannerURL, c.BannerURL}, {&t.ReleaseDate, c.ReleaseDate}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	return t
}
