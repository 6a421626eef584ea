package pipeline

// The args of every library task, one type per task. Kind names the task, so
// queue.NewParams(ScanLibraryArgs{…}) enqueues a scan and the handler
// defined with queue.Define receives its ScanLibraryArgs decoded. The JSON
// names are the REST API's (POST /api/tasks takes them as they are).

// Task names.
const (
	UpdateTitleDB          = "update_titledb"
	ScanLibrary            = "scan_library"
	AddFiles               = "add_files"
	IdentifyLibrary        = "identify_library"
	IdentifyFile           = "identify_file"
	IdentifyFiles          = "identify_files"
	AddMissingApps         = "add_missing_apps"
	AddMissingAppsForTitle = "add_missing_apps_for_title"
	RemoveMissingFiles     = "remove_missing_files"
	UpdateTitles           = "update_titles"
	UpdateTitlesForTitle   = "update_titles_for_title"
	OrganizeLibrary        = "organize_library"
	OrganizeFile           = "organize_file"
	OrganizeFiles          = "organize_files"
	RemoveOutdatedUpdates  = "remove_outdated_updates"
	RemoveLibrary          = "remove_library"
	HandleFileAdded        = "handle_file_added"
	HandleFileMoved        = "handle_file_moved"
	HandleFileDeleted      = "handle_file_deleted"
	GenerateLibrary        = "generate_library"
)

// Continuations: enqueued exactly once when a fan-out task's children have
// all finished (whatever their outcome). They get queue.ContinuationArgs.
const (
	ScanLibraryDone     = "scan_library_done"
	IdentifyLibraryDone = "identify_library_done"
	OrganizeLibraryDone = "organize_library_done"
)

// UpdateTitleDBArgs start the full chain: refresh the title database, then
// scan every library folder.
type UpdateTitleDBArgs struct{}

func (UpdateTitleDBArgs) Kind() string { return UpdateTitleDB }

// ScanLibraryArgs name the library folder to scan. TitleDBUnchanged is set
// by update_titledb when the title database stayed as it was: then a scan
// that finds the library unchanged skips the chain's steps that would have
// nothing to do (see scan_library_done).
type ScanLibraryArgs struct {
	LibraryPath      string `json:"library_path"`
	TitleDBUnchanged bool   `json:"titledb_unchanged,omitempty"`
}

func (ScanLibraryArgs) Kind() string { return ScanLibrary }

// AddFilesArgs name a batch of a scan's files (at most fileBatch) to record
// and identify.
type AddFilesArgs struct {
	LibraryPath string   `json:"library_path"`
	Filepaths   []string `json:"filepaths"`
}

func (AddFilesArgs) Kind() string { return AddFiles }

// IdentifyLibraryArgs name one library folder, or none for all of them.
type IdentifyLibraryArgs struct {
	LibraryPath string `json:"library_path,omitempty"`
}

func (IdentifyLibraryArgs) Kind() string { return IdentifyLibrary }

// IdentifyFileArgs name a catalog file to identify.
type IdentifyFileArgs struct {
	FileID int64 `json:"file_id"`
}

func (IdentifyFileArgs) Kind() string { return IdentifyFile }

// IdentifyFilesArgs name a batch of catalog files to identify.
type IdentifyFilesArgs struct {
	FileIDs []int64 `json:"file_ids"`
}

func (IdentifyFilesArgs) Kind() string { return IdentifyFiles }

// AddMissingAppsArgs name the library whose chain goes on afterwards, or
// none (then update_titles follows).
type AddMissingAppsArgs struct {
	LibraryPath string `json:"library_path,omitempty"`
}

func (AddMissingAppsArgs) Kind() string { return AddMissingApps }

// AddMissingAppsForTitleArgs name one title.
type AddMissingAppsForTitleArgs struct {
	TitleID string `json:"title_id"`
}

func (AddMissingAppsForTitleArgs) Kind() string { return AddMissingAppsForTitle }

// RemoveMissingFilesArgs name one library folder, or none for all of them.
type RemoveMissingFilesArgs struct {
	LibraryPath string `json:"library_path,omitempty"`
}

func (RemoveMissingFilesArgs) Kind() string { return RemoveMissingFiles }

// UpdateTitlesArgs: update_titles refreshes every title.
type UpdateTitlesArgs struct{}

func (UpdateTitlesArgs) Kind() string { return UpdateTitles }

// UpdateTitlesForTitleArgs name one title.
type UpdateTitlesForTitleArgs struct {
	TitleID string `json:"title_id"`
}

func (UpdateTitlesForTitleArgs) Kind() string { return UpdateTitlesForTitle }

// OrganizeLibraryArgs name one library folder, or none for all of them.
// Unchanged says the scan before found the library and the title database
// as the last chain left them (see scan_library_done): when no file is to
// move either, the index is not generated again.
type OrganizeLibraryArgs struct {
	LibraryPath string `json:"library_path,omitempty"`
	Unchanged   bool   `json:"unchanged,omitempty"`
}

func (OrganizeLibraryArgs) Kind() string { return OrganizeLibrary }

// OrganizeFileArgs name a catalog file to move into place.
type OrganizeFileArgs struct {
	FileID int64 `json:"file_id"`
}

func (OrganizeFileArgs) Kind() string { return OrganizeFile }

// OrganizeFilesArgs name a batch of catalog files to move into place.
type OrganizeFilesArgs struct {
	FileIDs []int64 `json:"file_ids"`
}

func (OrganizeFilesArgs) Kind() string { return OrganizeFiles }

// RemoveOutdatedUpdatesArgs: remove_outdated_updates looks at every library.
// Unchanged says the chain so far changed nothing the index shows (an
// unchanged rescan whose organizer moved no file): unless an update is
// removed, the index is left as it is.
type RemoveOutdatedUpdatesArgs struct {
	Unchanged bool `json:"unchanged,omitempty"`
}

func (RemoveOutdatedUpdatesArgs) Kind() string { return RemoveOutdatedUpdates }

// RemoveLibraryArgs name the library folder to forget.
type RemoveLibraryArgs struct {
	LibraryPath string `json:"library_path"`
}

func (RemoveLibraryArgs) Kind() string { return RemoveLibrary }

// HandleFileAddedArgs are a file the watcher saw created or changed.
type HandleFileAddedArgs struct {
	LibraryPath string `json:"library_path"`
	Filepath    string `json:"filepath"`
}

func (HandleFileAddedArgs) Kind() string { return HandleFileAdded }

// HandleFileMovedArgs are a move or rename the watcher saw.
type HandleFileMovedArgs struct {
	LibraryPath string `json:"library_path"`
	Src         string `json:"src"`
	Dest        string `json:"dest"`
}

func (HandleFileMovedArgs) Kind() string { return HandleFileMoved }

// HandleFileDeletedArgs are a file the watcher saw removed.
type HandleFileDeletedArgs struct {
	LibraryPath string `json:"library_path"`
	Filepath    string `json:"filepath"`
}

func (HandleFileDeletedArgs) Kind() string { return HandleFileDeleted }

// GenerateLibraryArgs: generate_library writes the whole library index.
type GenerateLibraryArgs struct{}

func (GenerateLibraryArgs) Kind() string { return GenerateLibrary }
