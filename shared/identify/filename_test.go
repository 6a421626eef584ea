package identify

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// realNames are file names as real libraries, dump tools, renamers, scene
// groups and download sites write them. Sources: the names quoted in the
// issue trackers of NSC_Builder (#12, #239), switch-library-manager (#93,
// #97), Switch-Backup-Manager (#26, #73), NX_Game_Info (#38) and Ownfoil
// (its "[v?(\d+)]" version pattern); nxdumptool's README naming schemes
// ("<name> v<version> (<id>).xci"); DBI and Tinfoil installs; and forms the
// issue collected from real libraries. Ids are real titledb ids.
var realNames = []struct {
	name    string
	appID   string // "" when unidentifiable
	kind    string
	version int
	warns   bool  // a tag contradicts the id: a note says so
	err     error // for unidentifiable names
}{
	// The common "[id][v<version>]" form (Ownfoil's organizer, NSC_Builder,
	// Tinfoil's renamer).
	{name: "The Elder Scrolls V Skyrim [01000A10041EA800][v393216].nsp", appID: "01000A10041EA800", kind: TypeUpdate, version: 393216},
	{name: "The Legend of Zelda Breath of the Wild [01007ef00011e800][v720896].nsp", appID: "01007EF00011E800", kind: TypeUpdate, version: 720896},
	{name: "[DLC] The Legend of Zelda Breath of the Wild DLC Pack 2 [01007ef00011f002][v196608]", appID: "01007EF00011F002", kind: TypeDLC, version: 196608},
	{name: "[DLC] Zelda BoW [01007ef00011f001][v196608].nsp", appID: "01007EF00011F001", kind: TypeDLC, version: 196608},
	{name: "[DLC] SONIC FORCES Digital Bonus Edition [0100111004461002][v0]", appID: "0100111004461002", kind: TypeDLC},
	{name: "[DLC] South Park The Fractured [01008f2005155001][v0].nsp", appID: "01008F2005155001", kind: TypeDLC},
	{name: "Arcade Archives Traverse USA [010029d006ed8000][v0].nsp", appID: "010029D006ED8000", kind: TypeBase},
	{name: "Arcade Archives Traverse USA [010029d006ed8800][v65536].nsp", appID: "010029D006ED8800", kind: TypeUpdate, version: 65536},
	{name: "Arcade Archives VS. SUPER MARIO BROS. [010021d00812a000][v0].nsp", appID: "010021D00812A000", kind: TypeBase},
	{name: "Super Mario Odyssey [0100000000010000][v0].xci", appID: "0100000000010000", kind: TypeBase},
	{name: "Super Mario Odyssey [0100000000010800][v393216].nsz", appID: "0100000000010800", kind: TypeUpdate, version: 393216},
	{name: "Hollow Knight [0100633007D48000][v0].xcz", appID: "0100633007D48000", kind: TypeBase},
	// Spaces between the tags, the display version and the SAK/NSC_Builder
	// content count.
	{name: "Super Mario Party [010036B0034E4000] [1.1.0] [v131072] (1G+1U).xci", appID: "010036B0034E4000", kind: TypeBase, version: 131072},
	{name: "Nintendo World Championships NES Edition [0100AD10185F8000] [v131072] (1G+1U).nsp", appID: "0100AD10185F8000", kind: TypeBase, version: 131072},
	{name: "MONSTER HUNTER STORIES [010069301B1D4000] [v131072] (1G+1U+1D).nsp", appID: "010069301B1D4000", kind: TypeBase, version: 131072},
	{name: "Super Mario Party Jamboree [0100965017338000] [v131072] (1G+1U).nsp", appID: "0100965017338000", kind: TypeBase, version: 131072},
	{name: "The Legend of Zelda Breath of The Wild [01007EF00011E000][v1.6.0][2 DLC][US].xci", appID: "01007EF00011E000", kind: TypeBase},
	{name: "The Legend of Zelda Breath of the Wild (rev002) WLD[01007EF00011E000][v1.5.0].xci", appID: "01007EF00011E000", kind: TypeBase},
	// A version without "v", beside firmware and display versions
	// (NX_Game_Info's renamer, CJK names).
	{name: "There Will Be No Turkey This Christmas[今年圣诞节不会有火鸡][010071B017DD6800][1.0.1][65536][15.0.0].nsz", appID: "010071B017DD6800", kind: TypeUpdate, version: 65536},
	{name: "Pokemon Sword [0100ABF008968800][589824].nsp", appID: "0100ABF008968800", kind: TypeUpdate, version: 589824},
	{name: "Game [0100ABF008968800][0].nsp", appID: "0100ABF008968800", kind: TypeUpdate},
	{name: "Year is not a version [01006F8002326000][2019].nsp", appID: "01006F8002326000", kind: TypeBase},
	{name: "Disc number is not a version [01006F8002326000][1].nsp", appID: "01006F8002326000", kind: TypeBase},
	// The version inside another tag.
	{name: "Animal Crossing New Horizons [01006F8002326800][UPD v65536].nsp", appID: "01006F8002326800", kind: TypeUpdate, version: 65536},
	{name: "Animal Crossing New Horizons [UPD v131072][01006F8002326800].nsp", appID: "01006F8002326800", kind: TypeUpdate, version: 131072},
	{name: "Animal Crossing New Horizons [01006F8002326800][Update v1179648].nsz", appID: "01006F8002326800", kind: TypeUpdate, version: 1179648},
	{name: "Mario Kart 8 Deluxe [0100152000022800][UPDATE][v196608].nsp", appID: "0100152000022800", kind: TypeUpdate, version: 196608},
	{name: "Mario Kart 8 Deluxe [0100152000023001][DLC v65536].nsp", appID: "0100152000023001", kind: TypeDLC, version: 65536},
	// Type tags that agree with the id (nxdumptool-style suffixes).
	{name: "Mario Kart 8 Deluxe [0100152000022000][v0][BASE].nsp", appID: "0100152000022000", kind: TypeBase},
	{name: "Mario Kart 8 Deluxe [0100152000022800][v851968][UPD].nsp", appID: "0100152000022800", kind: TypeUpdate, version: 851968},
	{name: "Mario Kart 8 Deluxe - Booster Course Pass [0100152000023001][v0][DLC].nsp", appID: "0100152000023001", kind: TypeDLC},
	{name: "(UPD) Splatoon 3 [0100C2500FC20800][v524288].nsz", appID: "0100C2500FC20800", kind: TypeUpdate, version: 524288},
	// Tags that contradict the id: the id wins, the name is flagged.
	{name: "Cuphead [0100A5C00D162000][UPD][v65536].nsp", appID: "0100A5C00D162000", kind: TypeBase, version: 65536, warns: true},
	{name: "Cuphead [0100A5C00D162000][UPD v65536].nsp", appID: "0100A5C00D162000", kind: TypeBase, version: 65536, warns: true},
	{name: "[DLC] Cuphead [0100A5C00D162800][v65536].nsp", appID: "0100A5C00D162800", kind: TypeUpdate, version: 65536, warns: true},
	{name: "Cuphead The Delicious Last Course [0100A5C00D163001][v0][BASE].nsp", appID: "0100A5C00D163001", kind: TypeDLC, warns: true},
	// Bare ids, in parentheses, between dashes or underscores.
	{name: "0100A3900C3E8000.nsp", appID: "0100A3900C3E8000", kind: TypeBase},
	{name: "0100a3900c3e8800 v65536.nsz", appID: "0100A3900C3E8800", kind: TypeUpdate, version: 65536},
	{name: "Celeste v0 (01002B30028F6000).xci", appID: "01002B30028F6000", kind: TypeBase},
	{name: "Celeste v65536 (01002B30028F6800).nsp", appID: "01002B30028F6800", kind: TypeUpdate, version: 65536},
	{name: "Celeste (01002B30028F6000) (v0).nsp", appID: "01002B30028F6000", kind: TypeBase},
	{name: "Celeste-01002B30028F6800-v131072.nsp", appID: "01002B30028F6800", kind: TypeUpdate, version: 131072},
	{name: "Celeste - 01002B30028F6000 - v0.nsp", appID: "01002B30028F6000", kind: TypeBase},
	{name: "Celeste_01002B30028F6000_v0.nsz", appID: "01002B30028F6000", kind: TypeBase},
	{name: "01002B30028F6000_Celeste.xci", appID: "01002B30028F6000", kind: TypeBase},
	{name: "Celeste.01002B30028F6800.v65536.nsp", appID: "01002B30028F6800", kind: TypeUpdate, version: 65536},
	// Site tags, size suffixes and language lists around the tags.
	{name: "Hades [0100535012974000][v0] [nsw2u.com].nsp", appID: "0100535012974000", kind: TypeBase},
	{name: "[nsw2u.com] Hades [0100535012974800][v131072].nsp", appID: "0100535012974800", kind: TypeUpdate, version: 131072},
	{name: "Hades [0100535012974000][v0] (8.6 GB).nsz", appID: "0100535012974000", kind: TypeBase},
	{name: "Hades [0100535012974000][v0] (1.43GB) [www.example-switch-site.net].xci", appID: "0100535012974000", kind: TypeBase},
	{name: "Hades [0100535012974000][v0][US][EN,FR,DE,ES,IT,JA,KO,ZH].nsp", appID: "0100535012974000", kind: TypeBase},
	{name: "Hades [0100535012974000][v0] (Trimmed).xci", appID: "0100535012974000", kind: TypeBase},
	{name: "Hades.[0100535012974800].[v393216].nsz", appID: "0100535012974800", kind: TypeUpdate, version: 393216},
	// CJK names, half- and full-width brackets.
	{name: "塞尔达传说 旷野之息[01007EF00011E000][v0].nsp", appID: "01007EF00011E000", kind: TypeBase},
	{name: "塞尔达传说 旷野之息 【01007EF00011E800】【v786432】.nsp", appID: "01007EF00011E800", kind: TypeUpdate, version: 786432},
	{name: "ゼルダの伝説 ティアーズ オブ ザ キングダム [0100F2C0115B6000][v0].nsp", appID: "0100F2C0115B6000", kind: TypeBase},
	{name: "젤다의 전설 [0100F2C0115B6800][v327680].nsp", appID: "0100F2C0115B6800", kind: TypeUpdate, version: 327680},
	{name: "宝可梦 朱（0100A3D008C5C000）（v0）.nsp", appID: "0100A3D008C5C000", kind: TypeBase},
	{name: "宝可梦朱0100A3D008C5C000v0.nsp", err: ErrNoAppID},
	// Several ids: the first tagged one wins.
	{name: "Bundle [0100ABCD12340000][0100ABCD12340800][v0].xci", appID: "0100ABCD12340000", kind: TypeBase},
	{name: "0100FFFF00000000 Game [0100ABCD12340800][v65536].nsp", appID: "0100ABCD12340800", kind: TypeUpdate, version: 65536},
	// Names shelf cannot identify by name.
	{name: "mario.kart.8.deluxe.nsw-bigblue.xci", err: ErrNoAppID},
	{name: "NBA_2K19_Update_v1.01_NSW-VENOM.nsp", err: ErrNoAppID},
	{name: "Overcooked_2_Surf_n_Turf_DLC_NSW-SUXXORS.nsp", err: ErrNoAppID},
	{name: "00", err: ErrNoAppID}, // a part of a split nxdumptool dump
	{name: "Game [0100ABCD1234000].nsp", err: ErrNoAppID},
	{name: "cf6e889db83d40b720ce25f806bbbe21.nca", err: ErrNoAppID},
	{name: "DEADBEEFDEADBEEF.nsp", err: ErrNoAppID}, // bare hex that is not an 01… id
	{name: "Game [0100ABCD12340000][v4294967296].nsp", err: ErrBadVersion},
	{name: "Game [0100ABCD12340800][UPD v99999999999].nsp", err: ErrBadVersion},
	{name: "Game [0100ABCD12340000][v4294967295].nsp", appID: "0100ABCD12340000", kind: TypeBase, version: math.MaxUint32},
	{name: "Bogus DLC [0000000000001001][v0].nsp", err: ErrNoBaseTitle},
	{name: "Bogus DLC [0000000000000001][v0].nsp", err: ErrNoBaseTitle},
	{name: "Bogus update [0000000000000800][v65536].nsp", err: ErrNoBaseTitle},
}

func TestFilenameIdentifierReadsRealWorldNames(t *testing.T) {
	t.Parallel()
	if len(realNames) < 60 {
		t.Fatalf("only %d real-world names; the issue asks for at least 60", len(realNames))
	}
	for _, tt := range realNames {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := FilenameIdentifier{}.Identify(context.Background(), "/games/"+tt.name, nil)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			got := res.Apps[0]
			if got.AppID != tt.appID || got.Type != tt.kind || got.Version != tt.version {
				t.Fatalf("got %s %s v%d, want %s %s v%d", got.AppID, got.Type, got.Version, tt.appID, tt.kind, tt.version)
			}
			if (res.Note != "") != tt.warns {
				t.Fatalf("note = %q, want a note: %v", res.Note, tt.warns)
			}
		})
	}
}

func TestContradictingTagNoteNamesBothSides(t *testing.T) {
	t.Parallel()
	res, err := FilenameIdentifier{}.Identify(context.Background(), "Cuphead [0100A5C00D162000][UPD v65536].nsp", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "the file name says an update but 0100A5C00D162000 is a base game"; res.Note != want {
		t.Fatalf("note = %q, want %q", res.Note, want)
	}
}

func TestContradictionIsJudgedByWhatTheTitleDatabaseKnows(t *testing.T) {
	t.Parallel()
	// The id rule says DLC, titledb says update: a "[UPD]" tag agrees.
	lookup := fakeLookup{"0100ABCD12341001": {TypeUpdate, "0100ABCD12340000"}}
	res, err := FilenameIdentifier{}.Identify(context.Background(), "x [0100ABCD12341001][UPD].nsp", lookup)
	if err != nil {
		t.Fatal(err)
	}
	if res.Apps[0].Type != TypeUpdate || res.Note != "" {
		t.Fatalf("got %+v, want an update without warning", res)
	}
}

func TestLookupNamingTitleZeroIsIgnored(t *testing.T) {
	t.Parallel()
	lookup := fakeLookup{"0100ABCD12341001": {TypeDLC, "0000000000000000"}}
	res, err := FilenameIdentifier{}.Identify(context.Background(), "x [0100ABCD12341001].nsp", lookup)
	if err != nil {
		t.Fatal(err)
	}
	if res.Apps[0].TitleID != "0100ABCD12340000" {
		t.Fatalf("title = %s, want the id rule's 0100ABCD12340000", res.Apps[0].TitleID)
	}
}

func FuzzParseName(f *testing.F) {
	for _, tt := range realNames {
		f.Add(tt.name)
	}
	for _, s := range []string{"[", "【", "[v", "[UPD v", "(0100ABCD12340000", "\xff[0100ABCD12340000]\xfe", "[[v1]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		res, err := FilenameIdentifier{}.Identify(context.Background(), name, nil)
		if err != nil {
			var ue *UnidentifiableError
			if !errors.As(err, &ue) || len(res.Apps) != 0 {
				t.Fatalf("error %v with result %+v", err, res)
			}
			return
		}
		a := res.Apps[0]
		if !IsAppID(a.AppID) || !IsAppID(a.TitleID) || isTitleZero(a.TitleID) {
			t.Fatalf("bad ids %+v", a)
		}
		if a.Version < 0 || a.Version > math.MaxUint32 {
			t.Fatalf("version out of range %+v", a)
		}
		// The id comes from the name itself.
		if !strings.Contains(strings.ToUpper(name), a.AppID) {
			t.Fatalf("app id %s not in %q", a.AppID, name)
		}
	})
}
