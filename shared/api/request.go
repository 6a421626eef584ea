package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// decodeBody decodes a JSON object into v. Unknown fields are errors, so a client never
// believes a misspelt field did something. Syntax errors are 400 invalid_json; a field of the
// wrong type or an unknown field is 422 invalid_field naming it.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(fiber.StatusBadRequest, codeInvalidJSON, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newError(fiber.StatusBadRequest, codeInvalidJSON, "unexpected data after the JSON object")
	}
	return nil
}

// requireJSONObject checks a body that is passed on as it is (a settings patch): the settings
// package would report bad syntax as a document error, and the API's contract is a 400.
func requireJSONObject(body []byte) error {
	if !json.Valid(body) || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return newError(fiber.StatusBadRequest, codeInvalidJSON, "the request body must be a JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return newError(fiber.StatusBadRequest, codeInvalidJSON, "the request body must be a JSON object")
		}
		return invalidField(typeErr.Field, "must be %s, got %s", jsonKind(typeErr.Type), typeErr.Value)
	}
	// encoding/json has no error type for an unknown field, only this message.
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		return invalidField(strings.TrimSuffix(name, `"`), "unknown field")
	}
	return newError(fiber.StatusBadRequest, codeInvalidJSON, "invalid JSON: %v", err)
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// pathID parses the :id route parameter: a positive integer, else 422.
func pathID(c *fiber.Ctx) (int64, error) {
	return parseID("id", c.Params("id"))
}

func parseID(field, raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidField(field, "must be a positive integer, got %q", raw)
	}
	return id, nil
}

// queryLimit parses ?limit=: 1..max, or def when absent.
func queryLimit(c *fiber.Ctx, def, max int) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		return 0, invalidField("limit", "must be an integer from 1 to %d, got %q", max, raw)
	}
	return n, nil
}

// queryCursor parses ?cursor= (the next_cursor of the previous page), 0 when absent.
func queryCursor(c *fiber.Ctx) (int64, error) {
	raw := c.Query("cursor")
	if raw == "" {
		return 0, nil
	}
	return parseID("cursor", raw)
}

// cursorJSON is a page's next_cursor: the id to continue from, or null on the last page.
func cursorJSON(next int64) *int64 {
	if next == 0 {
		return nil
	}
	return &next
}
