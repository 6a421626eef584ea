package api

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/shelfhq/shelf/shared/catalog"
)

// shopEntry is one file of the Tinfoil-compatible shop index.
type shopEntry struct {
	URL  string `json:"url"`
	Size int64  `json:"size"`
}

// shopIndex lists every catalog file in the format Tinfoil reads: "files" with a download URL
// and a size, and "success", the message it shows on loading the shop.
func (s *server) shopIndex(c *fiber.Ctx) error {
	files, err := catalog.FilesByName(s.db.WithContext(c.UserContext()))
	if err != nil {
		return err
	}
	entries := make([]shopEntry, 0, len(files))
	for _, f := range files {
		entries = append(entries, shopEntry{URL: shopURL(f), Size: f.Size})
	}
	return c.JSON(fiber.Map{"files": entries, "success": "shelf"})
}

// shopURL ends in the file's name because Tinfoil shows the last segment as the name.
func shopURL(f catalog.File) string {
	return "/api/shop/files/" + strconv.FormatInt(f.ID, 10) + "/" + url.PathEscape(f.Name)
}

// shopFile streams a catalog file, with byte ranges so that a console can resume. The file is
// found by id only; the name segment is for the client's display. The path comes from the
// catalog and is served only while it resolves (symlinks followed) inside a library folder
// configured now, so neither a request nor a stale catalog row can reach other files.
func (s *server) shopFile(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f, err := catalog.FileByID(s.db.WithContext(c.UserContext()), id)
	if err != nil {
		return err
	}
	path, ok := insideLibraries(f.Path, s.set.Current().Library.Paths)
	if !ok {
		s.log.Warn("shop: file outside the library folders refused", "file_id", id, "path", f.Path)
		return notFound("file %d is not in a library folder", id)
	}
	file, err := os.Open(path)
	if err != nil {
		return notFound("file %d cannot be read: %v", id, err)
	}
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		file.Close()
		return notFound("file %d is not a regular file", id)
	}
	return sendFile(c, file, info.Size(), f.Name)
}

// insideLibraries returns path with symlinks resolved when that lies strictly inside one of
// the library folders (also resolved).
func insideLibraries(path string, libraries []string) (string, bool) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false
	}
	if real, err = filepath.Abs(real); err != nil {
		return "", false
	}
	for _, lib := range libraries {
		root, err := filepath.Abs(lib)
		if err != nil {
			continue
		}
		if root, err = filepath.EvalSymlinks(root); err != nil {
			continue
		}
		rel, err := filepath.Rel(root, real)
		if err == nil && rel != "." && rel != ".." && !filepath.IsAbs(rel) &&
			!strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return real, true
		}
	}
	return "", false
}

// sendFile answers with the file, or with the one byte range asked for (206). A request for
// several ranges gets the whole file, which HTTP allows. It takes ownership of file.
func sendFile(c *fiber.Ctx, file *os.File, size int64, name string) error {
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	start, length := int64(0), size
	c.Status(fiber.StatusOK)
	if rng := c.Get(fiber.HeaderRange); rng != "" && size > 0 && !strings.Contains(rng, ",") {
		first, last, err := fasthttp.ParseByteRange([]byte(rng), int(size))
		if err != nil || first > last {
			file.Close()
			c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", size))
			return newError(fiber.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable",
				"range %q is not satisfiable for a file of %d bytes", rng, size)
		}
		start, length = int64(first), int64(last-first+1)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", first, last, size))
		c.Status(fiber.StatusPartialContent)
	}
	if c.Method() == fiber.MethodHead {
		file.Close()
		c.Response().SkipBody = true
		c.Response().Header.SetContentLength(int(length))
		return nil
	}
	// fasthttp closes a body stream that is an io.Closer once it has been sent.
	c.Response().SetBodyStream(fileSection{io.NewSectionReader(file, start, length), file}, int(length))
	return nil
}

// fileSection reads a part of a file and closes the whole file.
type fileSection struct {
	*io.SectionReader
	io.Closer
}
