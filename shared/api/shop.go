package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/shop"
)

// localShopClient holds the shop.Client a console route's request comes from.
const localShopClient = "shelf.shop_client"

// shopClientOf is the client shopGate detected; Browser elsewhere.
func shopClientOf(c *fiber.Ctx) shop.Client {
	client, _ := c.Locals(localShopClient).(shop.Client)
	return client
}

// detectClient reads the headers shop.Detect looks at.
func detectClient(c *fiber.Ctx) shop.Client {
	h := http.Header{}
	for k, v := range c.Request().Header.All() {
		h.Add(string(k), string(v))
	}
	return shop.Detect(h)
}

// shopGate runs before the access check of every shop route: it tells which client asks,
// answers only on shop.host, and refuses a client switched off.
func (s *server) shopGate(c *fiber.Ctx) error {
	if err := s.checkShopClient(c, detectClient(c)); err != nil {
		return err
	}
	return c.Next()
}

func (s *server) checkShopClient(c *fiber.Ctx, client shop.Client) error {
	c.Locals(localShopClient, client)
	c.Locals(localConsole, true)
	cfg := s.set.Current().Shop
	if !cfg.MatchesHost(c.Hostname()) {
		return newError(fiber.StatusMisdirectedRequest, "wrong_host",
			"this shop answers at %s, not at %s", cfg.Host, truncate(c.Hostname(), 200))
	}
	if !cfg.ClientEnabled(string(client)) {
		return newError(fiber.StatusForbidden, "client_disabled",
			"%s is switched off on this shop; an admin can switch it on in the settings", client.Name())
	}
	return nil
}

// consoleRoute is the whole handler of a shop route at the server's root. Only a console
// client's request is its own: any other (a browser, curl, a path under /api/) goes on to the
// routes and the web UI after it, as if the route were not there.
func (s *server) consoleRoute(op operation) fiber.Handler {
	return func(c *fiber.Ctx) error {
		client := detectClient(c)
		if client == shop.Browser || isAPIPath(c.Path()) {
			return c.Next()
		}
		if err := s.checkShopClient(c, client); err != nil {
			return err
		}
		if err := s.allow(c, op); err != nil {
			return err
		}
		return op.handle(s, c)
	}
}

// shopRoot is the address a user types into a console: the whole shop.
func (s *server) shopRoot(c *fiber.Ctx) error { return s.serveShop(c, shop.All) }

// shopRootName is /{name} at the root: a filter's folder (/base, /dlc/, …), or a file that a
// console browsing the root listing downloads by name.
func (s *server) shopRootName(c *fiber.Ctx) error {
	name, err := nameParam(c, "name")
	if err != nil {
		return err
	}
	if filter, ok := shop.ParseFilter(name); ok {
		return s.serveShop(c, filter)
	}
	return s.shopFileNamed(c, shop.All, name)
}

// shopFilterName is /{filter}/{name}: a file a console found in a filter's listing.
func (s *server) shopFilterName(c *fiber.Ctx) error {
	segment, err := nameParam(c, "filter")
	if err != nil {
		return err
	}
	filter, ok := shop.ParseFilter(segment)
	if !ok {
		return notFound("%q is not a folder of this shop (base, update, dlc, multi)", truncate(segment, 100))
	}
	name, err := nameParam(c, "name")
	if err != nil {
		return err
	}
	return s.shopFileNamed(c, filter, name)
}

// shopIndex is GET /api/shop: the index for scripts (and consoles typed that address).
func (s *server) shopIndex(c *fiber.Ctx) error { return s.serveIndex(c, shop.All) }

// shopIndexFiltered is GET /api/shop/{filter}.
func (s *server) shopIndexFiltered(c *fiber.Ctx) error {
	filter, ok := shop.ParseFilter(c.Params("filter"))
	if !ok {
		return notFound("%q is not a filter of this shop (base, update, dlc, multi)", truncate(c.Params("filter"), 100))
	}
	return s.serveIndex(c, filter)
}

// nameParam is a path segment URL-decoded (Fiber gives it as sent).
func nameParam(c *fiber.Ctx, key string) (string, error) {
	name, err := url.PathUnescape(c.Params(key))
	if err != nil {
		return "", notFound("%s: not a valid URL path segment", key)
	}
	return name, nil
}

// serveShop answers each client in its format: the JSON index for Tinfoil and CyberFoil, an
// HTML listing for DBI and Sphaira (the root lists the filter folders too).
func (s *server) serveShop(c *fiber.Ctx, filter shop.Filter) error {
	client := shopClientOf(c)
	if client.WantsJSON() || client == shop.Browser {
		return s.serveIndex(c, filter)
	}
	files, err := shop.Files(s.db.WithContext(c.UserContext()), filter)
	if err != nil {
		return err
	}
	title := "shelf"
	var folders []string
	if filter == shop.All {
		folders = shop.FolderNames()
	} else {
		title += ": " + string(filter)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(shop.Listing(title, folders, files))
}

// serveIndex answers the index in Tinfoil's format, encrypted for Tinfoil when a public key is
// set. The message of the day is its "success"; with shop.host set and TLS, "referrer" asks
// Tinfoil to load it from that host only (as Ownfoil does).
func (s *server) serveIndex(c *fiber.Ctx, filter shop.Filter) error {
	files, err := shop.Files(s.db.WithContext(c.UserContext()), filter)
	if err != nil {
		return err
	}
	cfg := s.set.Current().Shop
	referrer := ""
	if cfg.Host != "" && c.Protocol() == "https" {
		referrer = "https://" + cfg.Host
	}
	body, err := json.Marshal(shop.NewIndex(files, cfg.MOTD, referrer))
	if err != nil {
		return fmt.Errorf("encoding the shop index: %w", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if shopClientOf(c) == shop.Tinfoil {
		if key, err := cfg.TinfoilKey(); err != nil {
			return fmt.Errorf("the Tinfoil key in force does not parse: %w", err)
		} else if key != nil {
			enc, err := shop.EncryptIndex(body, key)
			if err != nil {
				return err
			}
			c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
			return c.Send(enc)
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(body)
}

// shopFile streams a catalog file by id (the URLs of the JSON index); the name segment is for
// the client's display.
func (s *server) shopFile(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f, err := catalog.FileByID(s.db.WithContext(c.UserContext()), id)
	if err != nil {
		return err
	}
	return s.serveDownload(c, f)
}

// shopFileNamed streams the file of that name a listing showed, when it belongs under the
// filter.
func (s *server) shopFileNamed(c *fiber.Ctx, filter shop.Filter, name string) error {
	db := s.db.WithContext(c.UserContext())
	f, err := catalog.FileByName(db, name)
	if err != nil {
		return err
	}
	if filter != shop.All {
		apps, err := catalog.AppsOfFiles(db, []int64{f.ID})
		if err != nil {
			return err
		}
		if !f.Identified || !shop.Holds(apps[f.ID], filter) {
			return notFound("%q is not in the shop's %s folder", truncate(name, 200), filter)
		}
	}
	return s.serveDownload(c, f)
}

// serveDownload sends a catalog file with its validators (ETag, Last-Modified), answering
// If-None-Match / If-Modified-Since with 304 and honouring a Range only while If-Range still
// names this file. The path comes from the catalog and is served only while it resolves
// (symlinks followed) inside a library folder configured now, so neither a request nor a stale
// catalog row can reach other files.
func (s *server) serveDownload(c *fiber.Ctx, f catalog.File) error {
	path, ok := insideLibraries(f.Path, s.set.Current().Library.Paths)
	if !ok {
		s.log.Warn("shop: file outside the library folders refused", "file_id", f.ID, "path", f.Path)
		return notFound("file %d is not in a library folder", f.ID)
	}
	file, err := os.Open(path)
	if err != nil {
		return notFound("file %d cannot be read: %v", f.ID, err)
	}
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		file.Close()
		return notFound("file %d is not a regular file", f.ID)
	}
	v := shop.ValidatorsOf(f, info.Size(), info.ModTime())
	c.Set(fiber.HeaderETag, v.ETag)
	c.Set(fiber.HeaderLastModified, v.LastModified.Format(http.TimeFormat))
	cond := shop.Conditions{IfNoneMatch: c.Get(fiber.HeaderIfNoneMatch),
		IfModifiedSince: c.Get(fiber.HeaderIfModifiedSince), IfRange: c.Get("If-Range")}
	if v.NotModified(cond) {
		file.Close()
		c.Status(fiber.StatusNotModified)
		c.Response().SkipBody = true
		return nil
	}
	rng := ""
	if v.RangeApplies(cond) {
		rng = c.Get(fiber.HeaderRange)
	}
	start, err := sendFile(c, file, info.Size(), f.Name, rng)
	if err != nil {
		return err
	}
	if c.Method() == fiber.MethodGet && start == 0 {
		s.countDownload(c, f)
	}
	return nil
}

// countDownload counts a download that starts at the file's first byte (a resume is the same
// download), once per file and client a minute; the client is the user, or the address of an
// anonymous one. A failure to count never fails the download.
func (s *server) countDownload(c *fiber.Ctx, f catalog.File) {
	who := "addr:" + c.IP()
	if p := principalOf(c); p != nil && p.user != nil {
		who = "user:" + p.user.Username
	}
	if _, err := shop.CountDownload(s.db.WithContext(c.UserContext()), f.ID, who, time.Now()); err != nil {
		s.log.Warn("shop: a download was not counted", "file_id", f.ID, "err", err)
	}
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

// sendFile answers with the file, or with the one byte range rng asks for (206), and returns
// the first byte sent. A request for several ranges gets the whole file, which HTTP allows. It
// takes ownership of file.
func sendFile(c *fiber.Ctx, file *os.File, size int64, name, rng string) (int64, error) {
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	start, length := int64(0), size
	c.Status(fiber.StatusOK)
	if rng != "" && size > 0 && !strings.Contains(rng, ",") {
		first, last, err := fasthttp.ParseByteRange([]byte(rng), int(size))
		if err != nil || first > last {
			file.Close()
			c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", size))
			return 0, newError(fiber.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable",
				"range %q is not satisfiable for a file of %d bytes", truncate(rng, 100), size)
		}
		start, length = int64(first), int64(last-first+1)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", first, last, size))
		c.Status(fiber.StatusPartialContent)
	}
	if c.Method() == fiber.MethodHead {
		file.Close()
		c.Response().SkipBody = true
		c.Response().Header.SetContentLength(int(length))
		return start, nil
	}
	// fasthttp closes a body stream that is an io.Closer once it has been sent.
	c.Response().SetBodyStream(fileSection{io.NewSectionReader(file, start, length), file}, int(length))
	return start, nil
}

// fileSection reads a part of a file and closes the whole file.
type fileSection struct {
	*io.SectionReader
	io.Closer
}
