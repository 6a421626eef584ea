package titledb

// Mirrors lay the title database out in one of two ways, and Fetch accepts
// both, from a base URL or a zip:
//
//   - the community repository (github.com/blawar/titledb): one titles file
//     per locale named "<REGION>.<lang>.json" (US.en.json), beside
//     cnmts.json, versions.json, versions.txt and languages.json;
//   - Ownfoil's download zip: "titles.<REGION>.<lang>.json" for every locale,
//     the same cnmts.json, versions.json, versions.txt and languages.json,
//     and an empty "latest_<commit>" naming the community commit it was
//     built from.
//
// Locally the files always get the names of the second layout.

// languagesFile lists each region's languages; it drives the locale choices.
const languagesFile = "languages.json"

// latestPrefix starts the name of the marker file in Ownfoil's zip.
const latestPrefix = "latest_"

// wantedFile is one local file of a titledb directory and the names a
// mirror may give it, tried in order.
type wantedFile struct {
	local  string
	remote []string
	// optional files are skipped when the mirror has none.
	optional bool
}

// wantedFiles lists what Fetch downloads for a locale, titles first.
func wantedFiles(region, lang string) []wantedFile {
	return []wantedFile{
		{local: TitlesFile(region, lang), remote: []string{CommunityTitlesFile(region, lang), TitlesFile(region, lang)}},
		{local: cnmtsFile, remote: []string{cnmtsFile}},
		{local: versionsFile, remote: []string{versionsFile}},
		{local: languagesFile, remote: []string{languagesFile}, optional: true},
	}
}

// CommunityTitlesFile is the community repository's name for the titles
// file of a region and language, e.g. "US.en.json".
func CommunityTitlesFile(region, lang string) string {
	return region + "." + lang + ".json"
}
