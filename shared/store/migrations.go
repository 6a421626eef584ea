package store

// migrations is the schema history, oldest first. Never edit an applied
// migration; add a new one. Times are BIGINT unix microseconds: they compare
// and index cheaply on both dialects and keep sub-millisecond ordering.
var migrations = []Migration{
	{
		Version: 1,
		Name:    "tasks",
		SQLite: []string{
			`CREATE TABLE tasks (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				name TEXT NOT NULL,
				args TEXT NOT NULL DEFAULT '{}',
				status TEXT NOT NULL DEFAULT 'pending',
				priority INTEGER NOT NULL DEFAULT 0,
				run_after BIGINT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0,
				max_attempts INTEGER NOT NULL DEFAULT 5,
				dedup_key TEXT,
				unique_key TEXT,
				error TEXT,
				result TEXT,
				parent_id INTEGER REFERENCES tasks(id) ON DELETE CASCADE,
				continuation TEXT,
				children_total INTEGER NOT NULL DEFAULT 0,
				children_completed INTEGER NOT NULL DEFAULT 0,
				children_failed INTEGER NOT NULL DEFAULT 0,
				progress REAL NOT NULL DEFAULT 0,
				worker TEXT,
				lease_expires_at BIGINT,
				cancel_requested INTEGER NOT NULL DEFAULT 0,
				created_at BIGINT NOT NULL,
				started_at BIGINT,
				finished_at BIGINT
			)`,
			// A duplicate can't be inserted while the first is still waiting
			// to start, whichever process inserts it.
			`CREATE UNIQUE INDEX tasks_dedup ON tasks (dedup_key) WHERE status = 'pending'`,
			// Once-ever keys, e.g. one run per period of a periodic task.
			`CREATE UNIQUE INDEX tasks_unique ON tasks (unique_key) WHERE unique_key IS NOT NULL`,
			// The indexes are partial and leave status out where they can:
			// every index a claim or a completion must update costs drain
			// throughput, so each covers only the rows its query reads.
			`CREATE INDEX tasks_claim ON tasks (priority, run_after, id) WHERE status = 'pending'`,
			`CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE status = 'running'`,
			`CREATE INDEX tasks_worker ON tasks (worker) WHERE status = 'running'`,
			`CREATE INDEX tasks_parent ON tasks (parent_id) WHERE parent_id IS NOT NULL`,
			`CREATE INDEX tasks_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL`,
			`CREATE TABLE workers (
				id TEXT PRIMARY KEY,
				hostname TEXT NOT NULL,
				slots INTEGER NOT NULL,
				busy INTEGER NOT NULL,
				started_at BIGINT NOT NULL,
				seen_at BIGINT NOT NULL
			)`,
		},
	},
	{
		Version: 2,
		Name:    "library catalog",
		// Booleans are BOOLEAN (numeric affinity, TRUE/FALSE literals);
		// times BIGINT unix microseconds like every table.
		SQLite: []string{
			`CREATE TABLE libraries (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				path TEXT NOT NULL UNIQUE,
				last_scan_at BIGINT
			)`,
			`CREATE TABLE files (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				library_id INTEGER NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
				folder TEXT NOT NULL,
				name TEXT NOT NULL,
				extension TEXT NOT NULL,
				size BIGINT NOT NULL,
				mtime BIGINT NOT NULL,
				path TEXT NOT NULL UNIQUE,
				identified BOOLEAN NOT NULL DEFAULT FALSE,
				identification_method TEXT NOT NULL DEFAULT '',
				identification_error TEXT NOT NULL DEFAULT '',
				identification_attempts INTEGER NOT NULL DEFAULT 0,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
			// Listing a library in path order, and the files still to identify.
			`CREATE INDEX files_library ON files (library_id, path)`,
			`CREATE INDEX files_unidentified ON files (library_id) WHERE identified = FALSE`,
			`CREATE TABLE apps (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				app_id TEXT NOT NULL,
				version INTEGER NOT NULL,
				type TEXT NOT NULL CHECK (type IN ('base', 'update', 'dlc')),
				owned BOOLEAN NOT NULL DEFAULT FALSE,
				title_id TEXT NOT NULL,
				UNIQUE (app_id, version)
			)`,
			// Everything about one title: flags, ownership, clean-up.
			`CREATE INDEX apps_title ON apps (title_id, type, owned)`,
			`CREATE TABLE file_apps (
				file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
				app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
				PRIMARY KEY (file_id, app_id)
			)`,
			// Ownership is "some file holds the app": looked up by app.
			`CREATE INDEX file_apps_app ON file_apps (app_id)`,
			`CREATE TABLE titles (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				title_id TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL DEFAULT '',
				icon_url TEXT NOT NULL DEFAULT '',
				banner_url TEXT NOT NULL DEFAULT '',
				has_base BOOLEAN NOT NULL DEFAULT FALSE,
				up_to_date BOOLEAN NOT NULL DEFAULT FALSE,
				complete BOOLEAN NOT NULL DEFAULT FALSE
			)`,
			// File events the organizer caused, for the watcher (in another
			// container) to skip until expires_at.
			`CREATE TABLE ignored_events (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				src TEXT NOT NULL,
				dest TEXT NOT NULL,
				expires_at BIGINT NOT NULL
			)`,
			`CREATE INDEX ignored_events_src ON ignored_events (src)`,
			`CREATE INDEX ignored_events_dest ON ignored_events (dest)`,
			`CREATE INDEX ignored_events_expires ON ignored_events (expires_at)`,
		},
	},
	{
		Version: 3,
		Name:    "task notifications",
		// SQLite wakes workers through the WAL file (see queue.Commits);
		// PostgreSQL tells listeners when a task becomes claimable. Row
		// level, so statements that change nothing (an empty claim) stay
		// silent; PostgreSQL folds a transaction's identical notifications
		// into one, so a batch insert sends one.
		SQLite: []string{},
		Postgres: []string{
			`CREATE OR REPLACE FUNCTION shelf_tasks_notify() RETURNS trigger AS $$
			BEGIN
				PERFORM pg_notify('shelf_tasks', '');
				RETURN NULL;
			END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER tasks_notify AFTER INSERT OR UPDATE OF status, run_after ON tasks
				FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION shelf_tasks_notify()`,
		},
	},
	{
		Version: 5,
		Name:    "custom titles",
		// Titles the user describes: homebrew, ports, titles the title
		// database lacks or names wrongly. They are merged over titledb
		// wherever it is read; owned by the titledb package.
		SQLite: []string{
			`CREATE TABLE custom_titles (
				title_id TEXT PRIMARY KEY,
				name TEXT NOT NULL,
				publisher TEXT NOT NULL DEFAULT '',
				description TEXT NOT NULL DEFAULT '',
				icon_url TEXT NOT NULL DEFAULT '',
				banner_url TEXT NOT NULL DEFAULT '',
				release_date TEXT NOT NULL DEFAULT '',
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
		},
	},
	{
		Version: 6,
		Name:    "identification by content",
		// How each app of a file was found (cnmt, ticket, filename), and
		// what the user should know of a file's identification: its name
		// and its content disagree, or why the content could not be read.
		SQLite: []string{
			`ALTER TABLE file_apps ADD COLUMN method TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE files ADD COLUMN identification_note TEXT NOT NULL DEFAULT ''`,
		},
	},
	{
		Version: 7,
		Name:    "accounts",
		// Users with their roles, browser sessions and per-user API tokens;
		// owned by the account package. Sessions and tokens are stored as
		// SHA-256 digests only. A user's sessions and tokens go with it.
		SQLite: []string{
			`CREATE TABLE users (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				username TEXT NOT NULL UNIQUE,
				password_hash TEXT NOT NULL,
				role_admin BOOLEAN NOT NULL DEFAULT FALSE,
				role_shop BOOLEAN NOT NULL DEFAULT FALSE,
				role_backup BOOLEAN NOT NULL DEFAULT FALSE,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
			`CREATE TABLE sessions (
				id_hash TEXT PRIMARY KEY,
				user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				created_at BIGINT NOT NULL,
				expires_at BIGINT NOT NULL
			)`,
			`CREATE INDEX sessions_user ON sessions (user_id)`,
			`CREATE INDEX sessions_expires ON sessions (expires_at)`,
			`CREATE TABLE api_tokens (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				token_hash TEXT NOT NULL UNIQUE,
				created_at BIGINT NOT NULL,
				last_used_at BIGINT,
				UNIQUE (user_id, name)
			)`,
		},
	},
	{
		Version: 8,
		Name:    "download counts",
		// One row per file and client (a user or an address), owned by the
		// shop package: the count and when it last counted, so a client's
		// ranged requests within a minute count once, whichever api
		// replica answers them. A file's count is the sum of its rows.
		SQLite: []string{
			`CREATE TABLE file_downloads (
				file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
				client TEXT NOT NULL,
				count BIGINT NOT NULL,
				counted_at BIGINT NOT NULL,
				PRIMARY KEY (file_id, client)
			)`,
		},
	},
	{
		Version: 9,
		Name:    "shared documents",
		// What processes on other hosts read besides the tables: settings.yaml's
		// content, the title database's files, the library index. Owned by the
		// document package; used on PostgreSQL, where hosts share no folder
		// (on SQLite the files in the data folder stay the source). Content is
		// gzip-compressed; revision grows by one with each write, so a reader
		// compares one number to know it is current. Writes notify
		// shelf_documents with the document's name.
		SQLite: []string{
			`CREATE TABLE documents (
				name TEXT PRIMARY KEY,
				revision BIGINT NOT NULL,
				sha256 TEXT NOT NULL,
				size BIGINT NOT NULL,
				content BLOB NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
		},
		Postgres: []string{
			`CREATE TABLE documents (
				name TEXT PRIMARY KEY,
				revision BIGINT NOT NULL,
				sha256 TEXT NOT NULL,
				size BIGINT NOT NULL,
				content BYTEA NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
			`CREATE OR REPLACE FUNCTION shelf_documents_notify() RETURNS trigger AS $$
			BEGIN
				PERFORM pg_notify('shelf_documents', NEW.name);
				RETURN NULL;
			END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER documents_notify AFTER INSERT OR UPDATE ON documents
				FOR EACH ROW EXECUTE FUNCTION shelf_documents_notify()`,
		},
	},
}
