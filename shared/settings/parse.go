package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds settings.yaml. Real files are a few hundred bytes; the bound keeps a file
// pasted or copied over by mistake from being parsed by every service.
const MaxFileSize = 1 << 20

// Load reads and parses the settings file at path. A missing or unreadable file is returned as the
// os error (errors.Is(err, fs.ErrNotExist) works); any problem with the content is a ValidationError.
func Load(path string) (Settings, error) {
	data, err := readFile(path)
	if err != nil {
		return Settings{}, err
	}
	return Parse(data)
}

// readFile reads at most one byte past MaxFileSize: enough for Parse to reject a huge file without
// this process reading all of it.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read settings %s: %w", path, err)
	}
	return data, nil
}

// Parse decodes settings.yaml. Fields the file leaves out take their defaults; fields it has but
// Settings does not are an error, because a misspelt key silently ignored is a setting the user
// believes is in force. The result is validated. Every error is a ValidationError whose messages
// give the line in the file where one is known.
func Parse(data []byte) (Settings, error) {
	if err := checkText(data); err != nil {
		return Settings{}, err
	}
	root, err := parseDocument(data)
	if err != nil {
		return Settings{}, err
	}

	s := Default()
	var typeErr *yaml.TypeError
	if err := root.Decode(&s); err != nil && !errors.As(err, &typeErr) {
		return Settings{}, documentError("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	// Unknown fields and type errors are gathered into one report, like validation errors.
	w := yamlWalk{lines: map[string]int{}}
	w.walk(root, settingsType, "")
	if typeErr != nil {
		w.addTypeErrors(typeErr)
	}
	if len(w.errs) > 0 {
		return Settings{}, ValidationError{Errors: w.errs}
	}

	s = s.Clone() // "paths: ~" decodes to nil; keep the empty list the API and Equal expect.
	if errs := s.Validate(); len(errs) > 0 {
		for i := range errs {
			if line, ok := w.lines[errs[i].Field]; ok {
				errs[i].Message += fmt.Sprintf(" (line %d)", line)
			}
		}
		return Settings{}, ValidationError{Errors: errs}
	}
	return s, nil
}

// checkText rejects input that is not a small text file before the YAML parser sees it, so that the
// user reads "binary data" rather than a parser complaint about some odd character.
func checkText(data []byte) error {
	if len(data) > MaxFileSize {
		return documentError("file is larger than the %d-byte limit", MaxFileSize)
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return documentError("file is not UTF-8 text (invalid byte 0x%02x at offset %d)", data[off], off)
	}
	for off, b := range data {
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f {
			return documentError("file contains binary data (byte 0x%02x at offset %d)", b, off)
		}
	}
	return nil
}

// parseDocument returns the root mapping of the only YAML document in data.
func parseDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			// An empty file is refused rather than read as "all defaults": a file caught while an
			// editor truncates and rewrites it in place must not wipe the library paths.
			return nil, documentError("file is empty; write {} to use every default")
		}
		return nil, documentError("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, documentError("file must hold exactly one YAML document (found a second one or trailing content)")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, documentError("file is empty; write {} to use every default")
	}
	if root.Kind != yaml.MappingNode {
		return nil, documentError("line %d: the file must be a mapping with keys such as library: and worker:", root.Line)
	}
	return root, nil
}

// yamlWalk follows a YAML node tree alongside the Go type it decodes into, to name unknown keys by
// their full path and to remember the line of every known key for later messages.
type yamlWalk struct {
	lines map[string]int
	errs  []FieldError
}

func (w *yamlWalk) walk(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Tag == "!!merge" {
				w.walkMerge(value, t, path)
				continue
			}
			p := joinPath(path, key.Value)
			f, ok := fieldByTag(t, "yaml", key.Value)
			if !ok {
				w.errs = append(w.errs, FieldError{Field: p, Message: fmt.Sprintf("unknown field (line %d)", key.Line)})
				continue
			}
			if _, seen := w.lines[p]; !seen {
				w.lines[p] = key.Line
			}
			w.walk(value, f.Type, p)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			p := indexPath(path, i)
			w.lines[p] = item.Line
			w.walk(item, t.Elem(), p)
		}
	}
	// Any other pairing of node and type is a type mismatch, which the decoder reports.
}

// walkMerge follows a "<<" merge key, whose value is one mapping or a list of them.
func (w *yamlWalk) walkMerge(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.SequenceNode {
		w.walk(n, t, path)
		return
	}
	for _, item := range n.Content {
		w.walk(item, t, path)
	}
}

// addTypeErrors turns the decoder's "line N: cannot unmarshal ..." messages into field errors,
// finding the field by the line its key is on.
func (w *yamlWalk) addTypeErrors(te *yaml.TypeError) {
	fieldAt := make(map[int]string, len(w.lines))
	for path, line := range w.lines {
		// The deepest path on a line is the value in question ("worker.slots", not "worker").
		if cur, ok := fieldAt[line]; !ok || len(path) > len(cur) {
			fieldAt[line] = path
		}
	}
	for _, msg := range te.Errors {
		var line int
		field := ""
		if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
			field = fieldAt[line]
		}
		w.errs = append(w.errs, FieldError{Field: field, Message: msg})
	}
}

// fileHeader is written at the top of every saved file, because users open it in an editor.
const fileHeader = `# shelf settings. Every shelf service watches this file and applies a change within
# a second; an invalid edit is logged and ignored, and the last good settings stay in force.
# Fields left out take their defaults. Saving from the web UI rewrites this file.
`

// Marshal encodes s as settings.yaml. It does not validate; Save does.
func Marshal(s Settings) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(fileHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s.Clone()); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	return buf.Bytes(), nil
}
