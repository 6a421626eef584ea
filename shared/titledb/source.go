package titledb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// sourceFile records where the installed files came from, for the UI.
const sourceFile = ".source.json"

// Source says where the installed title database came from and when.
type Source struct {
	// URL is the mirror or zip fetched from; "" for the embedded sample.
	URL string `json:"url"`
	// Sample is true when the embedded sample is installed.
	Sample bool `json:"sample"`
	// Fallback says why the sample is installed although a URL is
	// configured (the mirror could not be reached on a fresh install).
	Fallback string `json:"fallback,omitempty"`
	// Commit is the community commit an Ownfoil zip was built from.
	Commit   string `json:"commit,omitempty"`
	Region   string `json:"region"`
	Language string `json:"language"`
	// CheckedAt is the last successful check of the source; UpdatedAt the
	// last time it changed a file.
	CheckedAt time.Time `json:"checked_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ReadSource returns what the last successful Fetch into dir recorded;
// false when nothing was recorded yet.
func ReadSource(dir string) (Source, bool) {
	b, err := os.ReadFile(filepath.Join(dir, sourceFile))
	if err != nil {
		return Source{}, false
	}
	var src Source
	if err := json.Unmarshal(b, &src); err != nil {
		return Source{}, false
	}
	return src, true
}

// readSourceCommit is the commit recorded for url, for an archive that
// did not change.
func readSourceCommit(dir, url string) string {
	if src, ok := ReadSource(dir); ok && src.URL == url {
		return src.Commit
	}
	return ""
}

// recordSource writes src as checked now (and updated now when changed).
// It is only information for the UI, so failing to write it is logged.
func recordSource(dir string, src Source, changed bool, log *slog.Logger) {
	now := time.Now().UTC()
	src.CheckedAt = now
	if old, ok := ReadSource(dir); ok && !changed && old.URL == src.URL && old.Sample == src.Sample {
		src.UpdatedAt = old.UpdatedAt
	}
	if changed || src.UpdatedAt.IsZero() {
		src.UpdatedAt = now
	}
	b, err := json.MarshalIndent(src, "", "  ")
	if err == nil {
		path := filepath.Join(dir, sourceFile)
		tmp := path + tempSuffix
		if err = os.WriteFile(tmp, b, 0o644); err == nil {
			if err = os.Rename(tmp, path); err != nil {
				os.Remove(tmp)
			}
		}
	}
	if err != nil {
		log.Warn("titledb source not recorded", "err", err)
	}
}

// Refresh is Fetch with the embedded sample as the offline fallback: when
// the source fails and no titles file for the locale is installed yet (a
// fresh install without internet), it installs the sample, records why
// (Source.Fallback) and reports no error, so shelf still works. With files
// already installed a failure is returned and those files stay in use.
func (o Options) Refresh(ctx context.Context, client *http.Client, rawURL, dir, region, lang string, log *slog.Logger) (changed bool, err error) {
	changed, err = o.Fetch(ctx, client, rawURL, dir, region, lang, log)
	if err == nil || rawURL == "" || ctx.Err() != nil {
		return changed, err
	}
	if _, statErr := os.Stat(filepath.Join(dir, TitlesFile(region, lang))); !errors.Is(statErr, os.ErrNotExist) {
		return changed, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Warn("titledb source unavailable on a fresh install; using the bundled sample until it can be reached", "err", err)
	sampleChanged, sampleErr := installSample(dir, region, lang, log)
	if sampleErr != nil {
		return changed, fmt.Errorf("%w; installing the bundled sample instead failed too: %w", err, sampleErr)
	}
	recordSource(dir, Source{Sample: true, Fallback: err.Error(), Region: region, Language: lang}, sampleChanged, log)
	return changed || sampleChanged, nil
}

// Refresh is Options.Refresh with the default Options.
func Refresh(ctx context.Context, client *http.Client, rawURL, dir, region, lang string, log *slog.Logger) (bool, error) {
	return Options{}.Refresh(ctx, client, rawURL, dir, region, lang, log)
}
