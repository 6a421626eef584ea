package pipeline

// The results of the library tasks that report one (GET /api/tasks/{id}
// shows them as "result").

// UpdateTitleDBResult is update_titledb's result.
type UpdateTitleDBResult struct {
	// Changed is true when a file of the title database was replaced.
	Changed   bool `json:"changed"`
	Libraries int  `json:"libraries"`
}

// ScanLibraryResult is scan_library's result.
type ScanLibraryResult struct {
	// Files is how many game files the folder holds; Added how many were new
	// or changed (or never identified) and so went to an add_files child.
	Files int `json:"files"`
	Added int `json:"added"`
	// Missing is how many of the library's catalog files the walk did not
	// find (remove_missing_files forgets them).
	Missing int `json:"missing"`
}

// BatchResult is the result of add_files, identify_files and organize_files:
// what became of the batch's files.
type BatchResult struct {
	// Files is how many files the batch named.
	Files int `json:"files"`
	// Identified and Unidentified count the files identified now and those
	// recorded as unidentified (with their reason) by add_files and
	// identify_files.
	Identified   int `json:"identified,omitempty"`
	Unidentified int `json:"unidentified,omitempty"`
	// Moved counts the files organize_files put in place.
	Moved int `json:"moved,omitempty"`
	// Skipped counts the files left alone: gone, not game files, outside the
	// library, unchanged and identified already.
	Skipped int `json:"skipped,omitempty"`
}

// FilesResult is identify_library's result: how many files it identifies.
type FilesResult struct {
	Files int `json:"files"`
}

// RemovedResult is the result of remove_missing_files and
// remove_outdated_updates: how many files they forgot or deleted.
type RemovedResult struct {
	Removed int `json:"removed"`
}

// OrganizeLibraryResult is organize_library's result.
type OrganizeLibraryResult struct {
	// ToMove is how many files went to an organize_files child.
	ToMove int `json:"to_move"`
}

// GenerateLibraryResult is generate_library's result.
type GenerateLibraryResult struct {
	Hash string `json:"hash"`
	// Written is false when the index already had this content.
	Written bool `json:"written"`
	// Titles is how many titles a written index lists.
	Titles int `json:"titles,omitempty"`
}
