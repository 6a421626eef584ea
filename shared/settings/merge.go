package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// Merge applies a partial JSON document, such as {"worker":{"slots":4}}, onto base and validates
// the result. Objects merge field by field; a list (library.paths) is replaced as a whole. Unknown
// fields and null values are errors, so a client cannot believe it changed something it did not.
// Every error is a ValidationError; base is never modified.
func Merge(base Settings, patchJSON []byte) (Settings, error) {
	if len(patchJSON) > MaxFileSize {
		return Settings{}, documentError("patch is larger than the %d-byte limit", MaxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(patchJSON))
	dec.UseNumber()
	var patch any
	if err := dec.Decode(&patch); err != nil {
		return Settings{}, documentError("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Settings{}, documentError("invalid JSON: unexpected data after the object")
	}
	if _, isObject := patch.(map[string]any); !isObject {
		return Settings{}, documentError(`patch must be a JSON object such as {"worker":{"slots":4}}`)
	}
	var errs []FieldError
	checkJSONFields(patch, settingsType, "", &errs)
	if len(errs) > 0 {
		return Settings{}, ValidationError{Errors: errs}
	}

	// Decoding onto a deep copy leaves every field the patch does not name as it was, and cannot
	// write through base's path list.
	out := base.Clone()
	if err := json.Unmarshal(patchJSON, &out); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Settings{}, ValidationError{Errors: []FieldError{{
				Field:   typeErr.Field,
				Message: fmt.Sprintf("must be %s, got %s", jsonKind(typeErr.Type), typeErr.Value),
			}}}
		}
		return Settings{}, documentError("invalid JSON: %v", err)
	}
	out = out.Clone()
	if errs := out.Validate(); len(errs) > 0 {
		return Settings{}, ValidationError{Errors: errs}
	}
	return out, nil
}

// checkJSONFields reports unknown keys and nulls in a decoded patch by their full path.
func checkJSONFields(v any, t reflect.Type, path string, errs *[]FieldError) {
	switch v := v.(type) {
	case nil:
		*errs = append(*errs, FieldError{Field: path, Message: "must not be null; leave the field out to keep its value"})
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return // json.Unmarshal reports the type mismatch
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // one order for the same mistake, every time
		for _, k := range keys {
			p := joinPath(path, k)
			f, ok := fieldByTag(t, "json", k)
			if !ok {
				*errs = append(*errs, FieldError{Field: p, Message: "unknown field"})
				continue
			}
			checkJSONFields(v[k], f.Type, p, errs)
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return
		}
		for i, item := range v {
			checkJSONFields(item, t.Elem(), indexPath(path, i), errs)
		}
	}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "an object"
	default:
		return strings.ToLower(t.Kind().String())
	}
}
