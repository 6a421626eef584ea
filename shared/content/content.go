// Package content identifies Switch game files by what they hold: the
// content meta (cnmt) in each meta NCA, read with the user's keys, or,
// without keys, the tickets' names. It reads NSP and NSZ files (PFS0) and
// XCI and XCZ gamecard images (the HFS0 "secure" partition).
//
// Only headers are read, a few KB per file. Every count, offset and size in
// a file is checked against the file before it is used: a crafted file gives
// an error (ErrCorrupt, ErrTruncated, ErrNotContainer or a
// *keys.MissingKeyError), never a panic, a huge allocation or a read past its
// end.
package content

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/shelfhq/shelf/shared/content/internal/nxcrypto"
	"github.com/shelfhq/shelf/shared/keys"
)

// Identification methods, from the most to the least reliable.
const (
	MethodCnmt   = "cnmt"
	MethodTicket = "ticket"
)

// Container formats.
const (
	FormatNSP = "NSP"
	FormatNSZ = "NSZ"
	FormatXCI = "XCI"
	FormatXCZ = "XCZ"
)

// ErrNoKeys means content identification needs a keys file and none is
// loaded.
var ErrNoKeys = errors.New("no keys file loaded")

// App is one application found in a file.
type App struct {
	// ID is the app's title id.
	ID uint64
	// BaseID is the base game's id (ID itself for a base game); 0 when the
	// method cannot tell (a ticket).
	BaseID uint64
	// Type is the content meta type; 0 when the method cannot tell.
	Type MetaType
	// Version is the cnmt's version; 0 for a ticket.
	Version uint32
}

// Result is what one file holds.
type Result struct {
	// Format is FormatNSP, FormatNSZ, FormatXCI or FormatXCZ.
	Format string
	// Apps are the apps found, by Method; empty when neither the content
	// meta nor a ticket told anything.
	Apps []App
	// Method is MethodCnmt or MethodTicket; "" when Apps is empty.
	Method string
	// ContentErr says why the content meta could not be read (e.g.
	// ErrNoKeys or a *keys.MissingKeyError) when Method is not MethodCnmt.
	ContentErr error
}

// IdentifyFile identifies the file at path; ks may be nil (no keys).
func IdentifyFile(path string, ks *keys.Set) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Result{}, err
	}
	return Identify(f, st.Size(), ks)
}

// Identify identifies the container of size bytes that r reads; ks may be
// nil. The error is for the container itself (not a container, truncated,
// corrupt); a file whose content meta cannot be read, but whose container
// can, gives a Result with ContentErr set and the tickets' apps, if any.
func Identify(r io.ReaderAt, size int64, ks *keys.Set) (Result, error) {
	format, files, err := listFiles(region{r: r, size: size})
	if err != nil {
		return Result{}, err
	}
	res := Result{Format: format}
	apps, err := readMetas(files, ks)
	if err == nil {
		res.Apps, res.Method = apps, MethodCnmt
		return res, nil
	}
	res.ContentErr = err
	if apps := ticketApps(files); len(apps) > 0 {
		res.Apps, res.Method = apps, MethodTicket
	}
	return res, nil
}

// listFiles finds the container and lists the files that hold the apps:
// the PFS0's files, or the secure partition's.
func listFiles(file region) (format string, files []entry, err error) {
	var magic [4]byte
	if err := file.read(magic[:], 0, "magic"); err != nil {
		return "", nil, fmt.Errorf("%w (%d bytes)", ErrNotContainer, file.size)
	}
	if bytes.Equal(magic[:], magicPFS0) {
		files, err := readPFS0(file)
		if err != nil {
			return "", nil, fmt.Errorf("NSP: %w", err)
		}
		return compressedOr(files, FormatNSP, FormatNSZ), files, nil
	}
	files, err = readGamecard(file)
	if err != nil {
		return "", nil, err
	}
	return compressedOr(files, FormatXCI, FormatXCZ), files, nil
}

// The gamecard image header (switchbrew "XCI"): magic "HEAD" at 0x100, the
// root HFS0's offset (u64) at 0x130 and its header size at 0x138. Some dumps
// keep the 0x1000-byte key area in front of the image.
const (
	xciMagicOffset     = 0x100
	xciRootOffset      = 0x130
	xciKeyAreaSize     = 0x1000
	xciSecurePartition = "secure"
)

func readGamecard(file region) ([]entry, error) {
	for _, base := range []int64{0, xciKeyAreaSize} {
		var head [0x40]byte
		if err := file.read(head[:], base+xciMagicOffset, "gamecard header"); err != nil || string(head[:4]) != "HEAD" {
			continue
		}
		img, err := file.sub(base, file.size-base, "gamecard image")
		if err != nil {
			return nil, err
		}
		rootOff := binary.LittleEndian.Uint64(head[xciRootOffset-xciMagicOffset:])
		if rootOff >= uint64(img.size) {
			return nil, fmt.Errorf("XCI: %w: root partition at %#x past the end", ErrTruncated, rootOff)
		}
		root, err := img.sub(int64(rootOff), img.size-int64(rootOff), "root partition")
		if err != nil {
			return nil, err
		}
		parts, err := readHFS0(root)
		if err != nil {
			return nil, fmt.Errorf("XCI root partition: %w", err)
		}
		for _, p := range parts {
			if p.name == xciSecurePartition {
				files, err := readHFS0(p.data)
				if err != nil {
					return nil, fmt.Errorf("XCI secure partition: %w", err)
				}
				return files, nil
			}
		}
		return nil, fmt.Errorf("XCI: %w: no secure partition", ErrCorrupt)
	}
	return nil, ErrNotContainer
}

// compressedOr tells an NSZ or XCZ (whose big NCAs became .ncz) from its
// uncompressed form.
func compressedOr(files []entry, plain, compressed string) string {
	for _, f := range files {
		if hasSuffixFold(f.name, ".ncz") {
			return compressed
		}
	}
	return plain
}

// readMetas reads the cnmt of every meta NCA. It fails if any of them
// cannot be read, so that a file is never recorded with part of its apps.
func readMetas(files []entry, ks *keys.Set) ([]App, error) {
	if ks == nil {
		return nil, ErrNoKeys
	}
	headerKey := ks.HeaderKey()
	xts, err := nxcrypto.NewXTS(headerKey[:])
	if err != nil {
		return nil, err
	}
	var apps []App
	metas := 0
	for _, f := range files {
		// Meta NCAs are named <content id>.cnmt.nca; NSZ and XCZ keep them
		// uncompressed.
		if !hasSuffixFold(f.name, ".cnmt.nca") {
			continue
		}
		metas++
		m, err := readMetaNCA(f.data, ks, xts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if !m.kind.recorded() {
			continue
		}
		app := App{ID: m.titleID, BaseID: m.baseID, Type: m.kind, Version: m.version}
		if !containsApp(apps, app) {
			apps = append(apps, app)
		}
	}
	if metas == 0 {
		return nil, fmt.Errorf("%w: no meta NCA (.cnmt.nca) in the container", ErrCorrupt)
	}
	if len(apps) == 0 {
		return nil, fmt.Errorf("%w: the content meta holds no application, patch or add-on", ErrCorrupt)
	}
	return apps, nil
}

// ticketApps reads the title ids of the tickets' names: a ticket is named
// <rights id>.tik, and a rights id starts with the title id.
func ticketApps(files []entry) []App {
	var apps []App
	for _, f := range files {
		name := f.name
		if len(name) != 32+len(".tik") || !hasSuffixFold(name, ".tik") {
			continue
		}
		if _, err := strconv.ParseUint(name[16:32], 16, 64); err != nil {
			continue
		}
		id, err := strconv.ParseUint(name[:16], 16, 64)
		if err != nil || id == 0 {
			continue
		}
		if app := (App{ID: id}); !containsApp(apps, app) {
			apps = append(apps, app)
		}
	}
	return apps
}

func containsApp(apps []App, app App) bool {
	for _, a := range apps {
		if a == app {
			return true
		}
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
