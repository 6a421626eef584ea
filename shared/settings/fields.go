package settings

import (
	"fmt"
	"reflect"
	"strings"
)

var settingsType = reflect.TypeFor[Settings]()

// fieldByTag finds the field of struct type t that the given tag key ("yaml" or "json") names name.
// Both decoders are run with this lookup in front of them because neither reports an unknown field
// with its full path, and encoding/json would even accept "Worker" for "worker".
func fieldByTag(t reflect.Type, key, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tagName, _, _ := strings.Cut(f.Tag.Get(key), ",")
		if tagName == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexPath(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}
