// Package ownfoiltest builds an Ownfoil config folder for tests: settings.yaml and an ownfoil.db
// made from Ownfoil's own schema, with rows like a real user's.
package ownfoiltest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Schema is Ownfoil's database as its develop branch creates it: the
// DDL of its Alembic migrations 78c33e9bffce (libraries, titles, files,
// apps, app_files, with the server defaults its batch_alter_table sets) and
// a1b2c3d4e5f6 (tasks, ignored_events, files.mtime), the "user" table that
// db.create_all() makes from the User model (no migration creates it), and
// the alembic_version stamp, in the SQL SQLAlchemy emits for SQLite.
var Schema = []string{
	`CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))`,
	`INSERT INTO alembic_version (version_num) VALUES ('a1b2c3d4e5f6')`,
	`CREATE TABLE libraries (id INTEGER NOT NULL, path VARCHAR NOT NULL, last_scan DATETIME, PRIMARY KEY (id), UNIQUE (path))`,
	`CREATE TABLE titles (id INTEGER NOT NULL, title_id VARCHAR, have_base BOOLEAN DEFAULT '0', up_to_date BOOLEAN DEFAULT '0',
		complete BOOLEAN DEFAULT '0', PRIMARY KEY (id), UNIQUE (title_id))`,
	`CREATE TABLE files (id INTEGER NOT NULL, library_id INTEGER NOT NULL, filepath VARCHAR NOT NULL, folder VARCHAR,
		filename VARCHAR NOT NULL, extension VARCHAR, size INTEGER, compressed BOOLEAN DEFAULT '0', multicontent BOOLEAN DEFAULT '0',
		nb_content INTEGER DEFAULT '0', download_count INTEGER DEFAULT '0', identified BOOLEAN DEFAULT '0', identification_type VARCHAR,
		identification_error VARCHAR, identification_attempts INTEGER DEFAULT '0', last_attempt DATETIME, mtime FLOAT,
		PRIMARY KEY (id), FOREIGN KEY(library_id) REFERENCES libraries (id) ON DELETE CASCADE, UNIQUE (filepath))`,
	`CREATE TABLE apps (id INTEGER NOT NULL, title_id INTEGER NOT NULL, app_id VARCHAR, app_version VARCHAR, app_type VARCHAR,
		owned BOOLEAN DEFAULT '0', PRIMARY KEY (id), CONSTRAINT uq_apps_app_version UNIQUE (app_id, app_version),
		FOREIGN KEY(title_id) REFERENCES titles (id) ON DELETE CASCADE)`,
	`CREATE TABLE app_files (app_id INTEGER NOT NULL, file_id INTEGER NOT NULL, PRIMARY KEY (app_id, file_id),
		FOREIGN KEY(app_id) REFERENCES apps (id) ON DELETE CASCADE, FOREIGN KEY(file_id) REFERENCES files (id) ON DELETE CASCADE)`,
	`CREATE TABLE user (id INTEGER NOT NULL, user VARCHAR(100), password VARCHAR(100), admin_access BOOLEAN, shop_access BOOLEAN,
		backup_access BOOLEAN, PRIMARY KEY (id), UNIQUE (user))`,
	`CREATE TABLE tasks (id INTEGER NOT NULL, parent_id INTEGER, task_name VARCHAR NOT NULL, status VARCHAR DEFAULT 'pending' NOT NULL,
		completion_pct INTEGER DEFAULT '0', input_json TEXT DEFAULT '{}' NOT NULL, input_hash VARCHAR(64) NOT NULL, output_json TEXT,
		exit_code INTEGER, error_message TEXT, run_after DATETIME, created_at DATETIME NOT NULL, started_at DATETIME,
		completed_at DATETIME, PRIMARY KEY (id), FOREIGN KEY(parent_id) REFERENCES tasks (id))`,
	`CREATE INDEX ix_tasks_task_name ON tasks (task_name)`,
	`CREATE INDEX ix_tasks_status_created ON tasks (status, created_at)`,
	`CREATE INDEX ix_tasks_parent_id ON tasks (parent_id)`,
	`CREATE TABLE ignored_events (id INTEGER NOT NULL, src_path VARCHAR NOT NULL, dest_path VARCHAR DEFAULT '' NOT NULL, PRIMARY KEY (id))`,
}

// ownfoilSettingsYAML is a settings.yaml as Ownfoil writes it (yaml.dump
// sorts keys) for a user who changed a few things.
const ownfoilSettingsYAML = `library:
  management:
    compress_files: false
    delete_older_updates: true
    organizer:
      enabled: true
      remove_empty_folders: true
      templates:
        base: '{titleName}/{titleName} [{appId}][v{appVersion}]'
        dlc: '{titleName}/DLC/{appName} [{appId}][v{appVersion}]'
        multi: '{titleName}/{titleName} [{titleId}]'
        update: '{titleName}/Updates/{titleName} [{appId}][v{appVersion}]'
      windows_compatible: false
  paths:
  - /games
scheduler:
  scan_interval: 1d
shop:
  clients:
    cyberfoil:
      enabled: true
      hauth: {}
    sphaira:
      enabled: true
    tinfoil:
      clientCertKey: '-----BEGIN PRIVATE KEY-----'
      clientCertPub: '-----BEGIN PUBLIC KEY-----'
      enabled: true
      encrypt: true
      hauth: {}
  host: shop.example.lan
  motd: Welcome to your own shop!
  public: false
titles:
  language: fr
  region: FR
worker:
  count: 4
`

// Fixture is an Ownfoil config folder and the library folder its second
// library points at.
// The passwords of the fixture's Ownfoil users admin and switch (and kids/switch).
const (
	AdminPassword  = "ownfoil-admin-pw"
	SwitchPassword = "tinfoil-pass"
)

type Fixture struct {
	Dir, LocalLib string
}

// New writes settings.yaml and an ownfoil.db with Ownfoil's
// schema and rows like a real user's: a library in a container path that
// does not exist here (/games) and one on this machine, base games, an
// update, DLC, a multi-content XCI, a file Ownfoil could not identify, a
// row with a broken app, and three users with Werkzeug scrypt hashes.
func New(t testing.TB) Fixture {
	t.Helper()
	f := Fixture{Dir: filepath.Join(t.TempDir(), "config"), LocalLib: filepath.Join(t.TempDir(), "switch")}
	require.NoError(t, os.MkdirAll(f.Dir, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(f.LocalLib, "Celeste"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(f.Dir, "settings.yaml"), []byte(ownfoilSettingsYAML), 0o644))
	local := filepath.Join(f.LocalLib, "Celeste", "Celeste [01002B30028F6000][v0].nsp")
	require.NoError(t, os.WriteFile(local, []byte("not really a game"), 0o644))

	db, err := gorm.Open(sqlite.Open(filepath.Join(f.Dir, "ownfoil.db")), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	defer sqlDB.Close()
	stmts := append([]string{}, Schema...)
	stmts = append(stmts,
		`INSERT INTO libraries (id, path, last_scan) VALUES (1, '/games', '2025-08-02 03:00:01.123456')`,
		fmt.Sprintf(`INSERT INTO libraries (id, path, last_scan) VALUES (2, '%s', NULL)`, f.LocalLib),
		`INSERT INTO titles (id, title_id, have_base, up_to_date, complete) VALUES
			(1, '01007EF00011E000', 1, 0, 0), (2, '0100152000022000', 1, 1, 1), (3, '01002B30028F6000', 1, 1, 1)`,
		`INSERT INTO apps (id, title_id, app_id, app_version, app_type, owned) VALUES
			(1, 1, '01007EF00011E000', '0', 'BASE', 1),
			(2, 1, '01007EF00011E800', '720896', 'UPDATE', 1),
			(3, 1, '01007EF00011E800', '786432', 'UPDATE', 0),
			(4, 1, '01007EF00011F001', '196608', 'DLC', 1),
			(5, 2, '0100152000022000', '0', 'BASE', 1),
			(6, 2, '0100152000022800', '851968', 'UPDATE', 1),
			(7, 3, '01002B30028F6000', '0', 'BASE', 1),
			(8, 2, 'not-an-app-id', '0', 'DLC', 1)`,
		`INSERT INTO files (id, library_id, filepath, folder, filename, extension, size, compressed, multicontent, nb_content,
			download_count, identified, identification_type, identification_error, identification_attempts, last_attempt, mtime) VALUES
			(1, 1, '/games/The Legend of Zelda Breath of the Wild/The Legend of Zelda Breath of the Wild [01007EF00011E000][v0].xci',
				'/games/The Legend of Zelda Breath of the Wild', 'The Legend of Zelda Breath of the Wild [01007EF00011E000][v0].xci',
				'xci', 14495514624, 0, 0, 1, 3, 1, 'cnmt', NULL, 1, '2025-08-01 21:14:09.552011', 1722546849.417),
			(2, 1, '/games/The Legend of Zelda Breath of the Wild/Updates/The Legend of Zelda Breath of the Wild [01007EF00011E800][v720896].nsp',
				'/games/The Legend of Zelda Breath of the Wild/Updates', 'The Legend of Zelda Breath of the Wild [01007EF00011E800][v720896].nsp',
				'nsp', 1812988928, 0, 0, 1, 0, 1, 'cnmt', NULL, 1, '2025-08-01 21:14:11.002913', 1722546851.25),
			(3, 1, '/games/The Legend of Zelda Breath of the Wild/DLC/The Master Trials [01007EF00011F001][v196608].nsz',
				'/games/The Legend of Zelda Breath of the Wild/DLC', 'The Master Trials [01007EF00011F001][v196608].nsz',
				'nsz', 2105540608, 1, 0, 1, 0, 1, 'filename', NULL, 1, '2025-08-01 21:14:12.480001', 1722546852.9),
			(4, 1, '/games/Mario Kart 8 Deluxe/Mario Kart 8 Deluxe [0100152000022000][v851968] (1G+1U).xci',
				'/games/Mario Kart 8 Deluxe', 'Mario Kart 8 Deluxe [0100152000022000][v851968] (1G+1U).xci',
				'xci', 11811160064, 0, 1, 2, 1, 1, 'cnmt', NULL, 1, '2025-08-01 21:15:40.000000', 1722546940.0),
			(5, 1, '/games/unsorted/mario.kart.8.deluxe.nsw-bigblue.xci', '/games/unsorted', 'mario.kart.8.deluxe.nsw-bigblue.xci',
				'xci', 7000000000, 0, 0, 0, 0, 0, 'filename', 'No title ID found in filename', 1, '2025-08-01 21:15:41.000000', 1722546941.5),
			(6, 1, '/games/odd/broken [0100152000023001].nsp', '/games/odd', 'broken [0100152000023001].nsp',
				'nsp', 1000, 0, 0, 1, 0, 1, 'filename', NULL, 1, '2025-08-01 21:15:42.000000', 1722546942.5),
			(7, 2, '`+local+`', '`+filepath.Dir(local)+`', 'Celeste [01002B30028F6000][v0].nsp',
				'nsp', 123, 0, 0, 1, 0, 1, 'cnmt', NULL, 1, '2025-08-01 21:16:00.000000', 1600000000.0)`,
		`INSERT INTO app_files (app_id, file_id) VALUES (1, 1), (2, 2), (4, 3), (5, 4), (6, 4), (8, 6), (7, 7)`,
		// The hashes are real output of Werkzeug 3.1.8's generate_password_hash(password,
		// method='scrypt'), as Ownfoil's auth.py calls it, of AdminPassword and SwitchPassword;
		// Ownfoil allows a '/' in a name, shelf does not.
		`INSERT INTO user (id, user, password, admin_access, shop_access, backup_access) VALUES
			(1, 'admin', 'scrypt:32768:8:1$veLOG4l64HCjkRcm$f844f6c764944723e63c8bd8472a19ce8c22bf910892420c650aeabd843d75aef1909be5bc58afe0d5e199f8f06a34faa0b96f2a63f600d60019feb59b1ce675', 1, 1, 1),
			(2, 'switch', 'scrypt:32768:8:1$mxhhjjshWvFZ3NgL$849fe596b123e57253ef7517fb6c165a04fbb0311e901e26089eef03ecabb484e128b33729c8dad97926e11bdbc8fb9b06ebf805d83d458ee6b7a39c72b0ca17', 0, 1, 0),
			(3, 'kids/switch', 'scrypt:32768:8:1$mxhhjjshWvFZ3NgL$849fe596b123e57253ef7517fb6c165a04fbb0311e901e26089eef03ecabb484e128b33729c8dad97926e11bdbc8fb9b06ebf805d83d458ee6b7a39c72b0ca17', 0, 1, 0)`,
		`INSERT INTO tasks (id, task_name, status, input_json, input_hash, created_at) VALUES
			(1, 'scan_library', 'completed', '{"library_path": "/games"}', '`+strings.Repeat("0", 64)+`', '2025-08-02 03:00:00.000000')`,
	)
	for _, s := range stmts {
		require.NoError(t, db.Exec(s).Error, s)
	}
	return f
}
