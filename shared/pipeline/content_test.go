package pipeline

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/identify"
	"github.com/shelfhq/shelf/shared/keys"
	"github.com/shelfhq/shelf/shared/settings"
)

// Lumen Drift of the sample title database, its update and a DLC.
var (
	lumenBase   = contenttest.App{ID: 0x0100A1B2C3D40000, Type: contenttest.Application}
	lumenUpdate = contenttest.App{ID: 0x0100A1B2C3D40800, BaseID: 0x0100A1B2C3D40000, Type: contenttest.Patch, Version: 65536, Generation: 2}
	lumenDLC    = contenttest.App{ID: 0x0100A1B2C3D41001, BaseID: 0x0100A1B2C3D40000, Type: contenttest.AddOn, Version: 0, Generation: 3}
)

func noOrganizer(s *settings.Settings) { s.Library.Management.Organizer.Enabled = false }

func newEncoder(seed uint64, generations ...int) *contenttest.Encoder {
	rng := rand.New(rand.NewPCG(seed, 5))
	return &contenttest.Encoder{Keys: contenttest.NewKeys(rng, generations...), Rand: rng}
}

func (b *bundle) writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(b.lib, name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

func (b *bundle) methods(t *testing.T, fileID int64) []string {
	t.Helper()
	var m []string
	require.NoError(t, b.db.Raw(`SELECT method FROM file_apps WHERE file_id = ? ORDER BY app_id`, fileID).Scan(&m).Error)
	return m
}

func appKeys(apps []catalog.App) []string {
	var out []string
	for _, a := range apps {
		out = append(out, a.AppID+" "+a.Type+" "+a.TitleID)
	}
	return out
}

// With the keys in the data folder the chain reads each file's content: a
// multi-content XCI without an id in its name gives its three apps, and a
// mislabelled name loses to the content, with a note on the file.
func TestChainIdentifiesFilesByContent(t *testing.T) {
	b := setup(t, noOrganizer)
	enc := newEncoder(1, 0, 1, 2, 3)
	_, err := keys.Save(b.data, enc.Keys.Text())
	require.NoError(t, err)
	xci := b.writeFile(t, "cartridge dump.xci", enc.XCI(lumenBase, lumenUpdate, lumenDLC))
	nsp := b.writeFile(t, "Lumen Drift [0100A1B2C3D40000][UPD][v65536].nsp", enc.NSP(lumenUpdate))
	plain := b.writeFile(t, "Harbor of Echoes [0100B7E4F2A60000][v0].nsz", enc.NSZ(contenttest.App{ID: 0x0100B7E4F2A60000, Type: contenttest.Application}))
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)

	f := b.file(t, xci)
	require.True(t, f.Identified, f.IdentificationError)
	require.Equal(t, identify.MethodCnmt, f.IdentificationMethod)
	require.Empty(t, f.IdentificationNote)
	apps, err := catalog.AppsOfFile(b.db, f.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"0100A1B2C3D40000 base 0100A1B2C3D40000", "0100A1B2C3D40800 update 0100A1B2C3D40000",
		"0100A1B2C3D41001 dlc 0100A1B2C3D40000"}, appKeys(apps))
	require.Equal(t, []string{"cnmt", "cnmt", "cnmt"}, b.methods(t, f.ID))

	f = b.file(t, nsp)
	require.Equal(t, identify.MethodCnmt, f.IdentificationMethod)
	require.Contains(t, f.IdentificationNote, "name and content disagree")
	apps, err = catalog.AppsOfFile(b.db, f.ID)
	require.NoError(t, err)
	require.Len(t, apps, 1)
	require.Equal(t, "0100A1B2C3D40800", apps[0].AppID, "the content wins")
	require.Equal(t, 65536, apps[0].Version)

	f = b.file(t, plain)
	require.Equal(t, identify.MethodCnmt, f.IdentificationMethod)
	require.Empty(t, f.IdentificationNote, "name and content agree")

	title, err := catalog.TitleByTitleID(b.db, "0100A1B2C3D40000")
	require.NoError(t, err)
	require.True(t, title.HasBase)
	require.FileExists(t, LibraryIndexPath(b.data))
}

// A file that needs a master key the keys file lacks is unidentified with
// the key named; once a keys file with it is stored, marking the files and
// identify_library (what PUT /api/keys does) identify it by content.
func TestNewKeysIdentifyAFileThatNeededThem(t *testing.T) {
	b := setup(t, noOrganizer)
	enc := newEncoder(2, 0, 1, 2, 3, 0x0b)
	_, err := keys.Save(b.data, enc.Keys.TextWithout("master_key_0b"))
	require.NoError(t, err)
	newer := lumenUpdate
	newer.Generation = 0x0b
	needy := b.writeFile(t, "latest update.nsp", enc.NSP(newer))
	named := b.writeFile(t, "Lumen Drift [0100A1B2C3D40800][v65536].nsp", enc.NSP(newer))
	b.startPool(t)
	require.NoError(t, b.startChain())
	b.waitIdle(t)

	f := b.file(t, needy)
	require.False(t, f.Identified)
	require.Contains(t, f.IdentificationError, "needs master_key_0b")
	f = b.file(t, named)
	require.True(t, f.Identified)
	require.Equal(t, identify.MethodFilename, f.IdentificationMethod, "the name still identifies it")
	require.Contains(t, f.IdentificationNote, "needs master_key_0b")
	needed, err := catalog.KeysNeeded(b.db)
	require.NoError(t, err)
	require.Len(t, needed, 1)
	require.Equal(t, "master_key_0b", needed[0].Name)
	require.EqualValues(t, 2, needed[0].Files)

	_, err = keys.Save(b.data, enc.Keys.Text())
	require.NoError(t, err)
	marked, err := catalog.MarkForReidentification(b.db, identify.MethodCnmt)
	require.NoError(t, err)
	require.EqualValues(t, 2, marked)
	b.run(t, IdentifyLibraryArgs{})

	for _, p := range []string{needy, named} {
		f = b.file(t, p)
		require.True(t, f.Identified, "%s: %s", p, f.IdentificationError)
		require.Equal(t, identify.MethodCnmt, f.IdentificationMethod, p)
		require.Empty(t, f.IdentificationNote, p)
	}
	needed, err = catalog.KeysNeeded(b.db)
	require.NoError(t, err)
	require.Empty(t, needed)
}
