package titledb

import (
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Locales maps each region (e.g. "US") to its languages (e.g. "en", "es"),
// as languages.json lists them: the region and language pairs a titles file
// exists for.
type Locales map[string][]string

// parseLanguages reads languages.json. Regions and languages that are not
// short ASCII words are skipped (they become file names).
func parseLanguages(r io.Reader, name string, limit int64) (Locales, error) {
	locales := Locales{}
	err := decodeObject(newLimitedReader(r, limit), func(region string, dec *json.Decoder) error {
		var langs []text
		if skip, err := decodeValue(dec, &langs); skip || err != nil {
			return err
		}
		for _, l := range langs {
			lang := string(l)
			if checkLocale(region, lang) == nil && !slices.Contains(locales[region], lang) {
				locales[region] = append(locales[region], lang)
			}
		}
		return nil
	})
	if err != nil {
		return nil, parseError(name, err)
	}
	return locales, nil
}

// LoadLocales returns the locales of the languages.json installed in dir,
// or of the embedded copy when none is installed or it is unreadable, so
// there are always choices to offer.
func LoadLocales(dir string) Locales {
	if f, err := os.Open(filepath.Join(dir, languagesFile)); err == nil {
		defer f.Close()
		if l, err := parseLanguages(f, languagesFile, DefaultMaxFileSize); err == nil && len(l) > 0 {
			return l
		}
	}
	f, err := sampleFS.Open("sample/" + languagesFile)
	if err != nil {
		return Locales{sampleRegion: {sampleLang}}
	}
	defer f.Close()
	l, err := parseLanguages(f, languagesFile, DefaultMaxFileSize)
	if err != nil || len(l) == 0 {
		return Locales{sampleRegion: {sampleLang}}
	}
	return l
}

// Regions returns the regions, sorted.
func (l Locales) Regions() []string { return slices.Sorted(maps.Keys(l)) }

// Has reports whether the region is listed, and whether lang is one of its
// languages.
func (l Locales) Has(region, lang string) (regionOK, langOK bool) {
	langs, ok := l[region]
	return ok, ok && slices.Contains(langs, lang)
}
