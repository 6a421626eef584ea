package content_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/shelfhq/shelf/shared/content"
	"github.com/shelfhq/shelf/shared/content/contenttest"
	"github.com/shelfhq/shelf/shared/keys"
)

// A multi-content gamecard image, read with the keys of a prod.keys file:
// every app it holds, with its type, version and base game.
func ExampleIdentify() {
	rng := rand.New(rand.NewPCG(1, 2))
	testKeys := contenttest.NewKeys(rng, 0, 1, 2)
	enc := &contenttest.Encoder{Keys: testKeys, Rand: rng}
	xci := enc.XCI(
		contenttest.App{ID: 0x0100ABCD12340000, Type: contenttest.Application},
		contenttest.App{ID: 0x0100ABCD12340800, BaseID: 0x0100ABCD12340000, Type: contenttest.Patch, Version: 65536, Generation: 2},
	)

	ks, err := keys.Parse(testKeys.Text())
	if err != nil {
		panic(err)
	}
	res, err := content.Identify(bytes.NewReader(xci), int64(len(xci)), ks)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Format, res.Method)
	for _, app := range res.Apps {
		fmt.Printf("%016X %s v%d of %016X\n", app.ID, app.Type, app.Version, app.BaseID)
	}
	// Output:
	// XCI cnmt
	// 0100ABCD12340000 application v0 of 0100ABCD12340000
	// 0100ABCD12340800 patch v65536 of 0100ABCD12340000
}
