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
			`CREATE UNIQUE INDEX tasks_unique ON tasks (unique_key)`,
			`CREATE INDEX tasks_claim ON tasks (priority, run_after, id) WHERE status = 'pending'`,
			`CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE status = 'running'`,
			`CREATE INDEX tasks_parent ON tasks (parent_id, status)`,
			`CREATE INDEX tasks_status_name ON tasks (status, name)`,
			`CREATE INDEX tasks_finished ON tasks (status, finished_at)`,
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
}
