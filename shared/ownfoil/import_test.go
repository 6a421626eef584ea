package ownfoil

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/ownfoil/ownfoiltest"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/shop"
	"github.com/shelfhq/shelf/shared/storetest"
)

func TestPlanReadsOwnfoilsSettingsAndDatabase(t *testing.T) {
	t.Parallel()
	f := ownfoiltest.New(t)
	p, err := Read(context.Background(), f.Dir)
	require.NoError(t, err)

	require.Len(t, p.Libraries, 2)
	games := p.Libraries[0]
	require.Equal(t, "/games", games.Path)
	require.Len(t, games.Files, 6)
	byName := map[string]file{}
	for _, fl := range games.Files {
		byName[filepath.Base(fl.Path)] = fl
	}
	multi := byName["Mario Kart 8 Deluxe [0100152000022000][v851968] (1G+1U).xci"]
	require.Equal(t, "cnmt", multi.Method)
	require.Equal(t, []identify.App{
		{AppID: "0100152000022000", TitleID: "0100152000022000", Type: identify.TypeBase},
		{AppID: "0100152000022800", TitleID: "0100152000022000", Type: identify.TypeUpdate, Version: 851968},
	}, multi.Apps)
	require.Equal(t, time.Unix(1722546940, 0), multi.Mtime)
	require.Empty(t, byName["mario.kart.8.deluxe.nsw-bigblue.xci"].Apps, "Ownfoil could not identify it")
	require.Len(t, byName["broken [0100152000023001].nsp"].Skipped, 1, "its app row is not valid")
	require.Len(t, p.Users, 3)
	require.Equal(t, "admin", p.Users[0].Name)
	require.True(t, p.Users[0].Admin)

	var out bytes.Buffer
	require.NoError(t, p.Print(&out))
	for _, want := range []string{
		`"paths":["/games","` + f.LocalLib + `"]`,
		`"slots":4`,
		`"scan_interval":"1d"`,
		`"region":"FR"`,
		`"dlc":"{titleName}/DLC/{appName} [{appId}][v{appVersion}]"`,
		"library /games: would import 6 files, 4 of them identified (5 apps)",
		`"motd":"Welcome to your own shop!"`,
		`"host":"shop.example.lan"`,
		`"public_key":"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvPdrJigQ0rZAy+jla7hS`,
		"user admin: would import with roles admin, shop, backup and its password",
		"user switch: would import with roles shop and its password",
		"user kids/switch: left out: username: must not contain ':' or '/'",
	} {
		require.Contains(t, out.String(), want)
	}
}

func TestApplyImportsSettingsLibrariesFilesAndIdentifications(t *testing.T) {
	t.Parallel()
	f := ownfoiltest.New(t)
	p, err := Read(context.Background(), f.Dir)
	require.NoError(t, err)
	_, db := storetest.Open(t)
	set, err := settings.NewManager(filepath.Join(t.TempDir(), "settings.yaml"), nil)
	require.NoError(t, err)

	res, err := p.Apply(context.Background(), db, set)
	require.NoError(t, err)
	require.Equal(t, Result{Libraries: 2, Files: 7, Identified: 5, Users: 2, UsersSkipped: 1}, res)

	// Ownfoil's users sign in with their Ownfoil passwords, and their Werkzeug hash is
	// replaced by argon2id on that first sign-in.
	ctx := context.Background()
	admin, err := account.Authenticate(ctx, db, "admin", ownfoiltest.AdminPassword)
	require.NoError(t, err)
	require.Equal(t, account.RoleSet{Admin: true, Shop: true, Backup: true}, admin.Roles)
	switchUser, err := account.Authenticate(ctx, db, "switch", ownfoiltest.SwitchPassword)
	require.NoError(t, err)
	require.Equal(t, account.RoleSet{Shop: true}, switchUser.Roles)
	var hash string
	require.NoError(t, db.Raw(`SELECT password_hash FROM users WHERE username = 'switch'`).Scan(&hash).Error)
	require.True(t, strings.HasPrefix(hash, "$argon2id$"), hash)
	_, err = account.Authenticate(ctx, db, "switch", "wrong")
	require.ErrorIs(t, err, account.ErrBadCredentials)

	s := set.Current()
	require.Equal(t, []string{"/games", f.LocalLib}, s.Library.Paths)
	require.Equal(t, 4, s.Worker.Slots)
	require.Equal(t, 24*time.Hour, s.ScanInterval())
	require.Equal(t, settings.Titles{Region: "FR", Language: "fr"}, s.Titles)
	require.True(t, s.Library.Management.Organizer.Enabled)
	require.True(t, s.Library.Management.DeleteOlderUpdates)
	require.Equal(t, "{titleName}/Updates/{titleName} [{appId}][v{appVersion}]", s.Library.Management.Organizer.Templates.Update)
	require.Equal(t, "Welcome to your own shop!", s.Shop.MOTD)
	require.Equal(t, "shop.example.lan", s.Shop.Host)
	require.False(t, s.Shop.Public)
	require.Equal(t, shop.TinfoilPublicKey, s.Shop.Clients.Tinfoil.PublicKey, "Ownfoil encrypted with Tinfoil's key")
	require.True(t, s.Shop.Clients.Sphaira.Enabled)

	mk, err := catalog.FileByPath(db, "/games/Mario Kart 8 Deluxe/Mario Kart 8 Deluxe [0100152000022000][v851968] (1G+1U).xci")
	require.NoError(t, err)
	require.True(t, mk.Identified)
	require.Equal(t, "ownfoil-cnmt", mk.IdentificationMethod)
	require.Equal(t, int64(11811160064), mk.Size, "Ownfoil's size when the file is not reachable")
	apps, err := catalog.AppsOfFile(db, mk.ID)
	require.NoError(t, err)
	require.Len(t, apps, 2)
	require.True(t, apps[0].Owned)

	unsorted, err := catalog.FileByPath(db, "/games/unsorted/mario.kart.8.deluxe.nsw-bigblue.xci")
	require.NoError(t, err)
	require.False(t, unsorted.Identified, "left for shelf to identify")
	require.Zero(t, unsorted.IdentificationAttempts)

	local := filepath.Join(f.LocalLib, "Celeste", "Celeste [01002B30028F6000][v0].nsp")
	celeste, err := catalog.FileByPath(db, local)
	require.NoError(t, err)
	info, err := os.Stat(local)
	require.NoError(t, err)
	require.Equal(t, info.Size(), celeste.Size, "the file's size on disk, so a scan finds it unchanged")
	require.Equal(t, info.ModTime().UnixMicro(), celeste.Mtime)

	again, err := p.Apply(context.Background(), db, set)
	require.NoError(t, err)
	require.Equal(t, Result{Libraries: 2, Files: 7, Kept: 5, UsersKept: 2, UsersSkipped: 1}, again, "a second import keeps what shelf has")
	_, err = account.Authenticate(ctx, db, "switch", ownfoiltest.SwitchPassword)
	require.NoError(t, err, "the rehashed password stays")
}

func TestReadWithoutADatabaseImportsSettingsOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, settingsFile), []byte("worker:\n  count: 999\nscheduler:\n  scan_interval: 45s\n"), 0o644))
	p, err := Read(context.Background(), dir)
	require.NoError(t, err)
	require.Empty(t, p.Libraries)
	var out bytes.Buffer
	require.NoError(t, p.Print(&out))
	require.Contains(t, out.String(), `"slots":256`)
	require.Contains(t, out.String(), `"scan_interval":"1m0s"`)
	require.Contains(t, out.String(), "worker.count 999 is outside")
	require.Contains(t, out.String(), "ownfoil.db not found")
}

func TestReadRefusesAFolderThatIsNotThere(t *testing.T) {
	t.Parallel()
	_, err := Read(context.Background(), filepath.Join(t.TempDir(), "missing"))
	require.Error(t, err)
}

func TestScanIntervalConvertsOwnfoilsForms(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{"12h": "12h", "1d": "1d", "0": "0", "30m": "30m", "45s": "1m0s", "2w": "", "abc": ""} {
		got, _ := scanInterval(raw)
		require.Equal(t, want, got, raw)
	}
}
