package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

// libraryIndex serves the library index that generate_library writes. The strong ETag (a hash
// of the content) lets the UI and clients revalidate a large document for the price of a 304.
func (s *server) libraryIndex(c *fiber.Ctx) error {
	data, digest, err := s.readIndex(c.UserContext())
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, document.ErrNotFound) {
		return newError(fiber.StatusNotFound, "not_generated",
			"the library index has not been generated yet; a library scan ends by generating it")
	}
	if err != nil {
		return err
	}
	etag := `"` + digest + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(data)
}

// readIndex returns the library index and the hex SHA-256 of it: from the data folder, or on
// PostgreSQL from the LibraryIndex document the workers store.
func (s *server) readIndex(ctx context.Context) ([]byte, string, error) {
	if s.docs != nil {
		return s.index.read(ctx, s.docs)
	}
	data, err := os.ReadFile(pipeline.LibraryIndexPath(s.opts.DataDir))
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:]), nil
}

// sharedIndex keeps the last revision of the LibraryIndex document read, so a request costs
// one indexed read of its revision and the content is fetched and decompressed once per change.
type sharedIndex struct {
	mu   sync.Mutex
	meta document.Meta
	data []byte
}

func (x *sharedIndex) read(ctx context.Context, docs *document.Store) ([]byte, string, error) {
	meta, err := docs.Stat(ctx, document.LibraryIndex)
	if err != nil {
		return nil, "", err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.data == nil || meta.Revision != x.meta.Revision {
		data, m, err := docs.Get(ctx, document.LibraryIndex)
		if err != nil {
			return nil, "", err
		}
		x.data, x.meta = data, m
	}
	return x.data, x.meta.SHA256, nil
}

// etagMatches applies If-None-Match's weak comparison: "*" or any listed tag, W/ or not.
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// scanRequest is the body of POST /api/library/scan; no path scans every library.
type scanRequest struct {
	Path string `json:"path"`
}

// ScanResult answers POST /api/library/scan: the scan_library task of each folder.
type ScanResult struct {
	Tasks []queue.Task `json:"tasks"`
}

// scanLibrary enqueues scan_library for one configured library folder or for all of them. Only
// configured folders: the API never makes the workers read a path a client made up.
func (s *server) scanLibrary(c *fiber.Ctx) error {
	var req scanRequest
	if len(c.Body()) > 0 {
		if err := decodeBody(c.Body(), &req); err != nil {
			return err
		}
	}
	paths := s.set.Current().Library.Paths
	switch {
	case req.Path != "" && !slices.Contains(paths, req.Path):
		return invalidField("path", "is not one of the library paths in the settings (library.paths)")
	case req.Path != "":
		paths = []string{req.Path}
	case len(paths) == 0:
		return invalidField("path", "no library paths are configured; add one to library.paths in the settings")
	}
	tasks := make([]queue.Task, 0, len(paths))
	for _, p := range paths {
		t, err := s.enqueueLibraryTask(c.UserContext(), pipeline.ScanLibraryArgs{LibraryPath: p})
		if err != nil {
			return err
		}
		tasks = append(tasks, t)
	}
	return c.Status(fiber.StatusAccepted).JSON(ScanResult{Tasks: tasks})
}
