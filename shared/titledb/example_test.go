package titledb_test

import (
	"fmt"

	"github.com/shelfhq/shelf/shared/titledb"
)

func ExampleDB_AppType() {
	db, err := titledb.LoadSample()
	if err != nil {
		panic(err)
	}
	kind, base, _ := db.AppType("0100a1b2c3d40800", 131072)
	title, _ := db.Title(base)
	latest, _ := db.LatestVersion(base)
	fmt.Println(kind, base, title.Name, latest)
	fmt.Println(db.DLCs(base))
	// Output:
	// update 0100A1B2C3D40000 Lumen Drift 131072
	// [0100A1B2C3D41001 0100A1B2C3D41002]
}
