package api

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/shop"
)

// Route labels for requests that no registered route template matches: a file of the web UI
// (or a miss there), and anything else, such as an unknown /api/ path. Raw paths never become
// labels, so a client cannot mint new series.
const (
	routeWeb       = "/*"
	routeUnmatched = "unmatched"
)

// countRequests counts every answer by route template, method and status code and times it.
// It sits first, so it sees the status of every error too: it hands an error to the error
// handler itself (as Fiber's logger does) and reads the answer that wrote.
func (s *server) countRequests(app *fiber.App) fiber.Handler {
	m := metrics.NewHTTP(s.opts.Metrics)
	routes := routeTemplates{app: app}
	return func(c *fiber.Ctx) error {
		started := time.Now()
		if err := c.Next(); err != nil {
			if herr := s.handleError(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		// Fiber's strings point into buffers it reuses; a label must own its bytes. Fiber
		// answers only the methods it knows (answerUnknownMethodsInJSON), so the set is closed.
		method := strings.Clone(c.Method())
		route := routeWeb
		if _, console := c.Locals(localShopClient).(shop.Client); console || !rootShopPath(c.Path()) {
			// The shop's routes at the root match every web UI path; only a console's request
			// (which went through the shop's gate) is theirs.
			route = routes.label(c.Route().Path, c.Path())
		}
		m.Requests.WithLabelValues(route, method, strconv.Itoa(c.Response().StatusCode())).Inc()
		m.Duration.WithLabelValues(route, method).Observe(time.Since(started).Seconds())
		return nil
	}
}

// routeTemplates finds the route template of a path. The route Fiber reports is the last one
// that ran, which is a middleware's "/" when the request ended before reaching its handler (a
// 401, a 404, a 405), so a path is matched against the registered templates when the reported
// one does not match it.
type routeTemplates struct {
	app       *fiber.App
	once      sync.Once
	templates []template // fewer :params first, so a literal route wins over a :param one
}

type template struct {
	path     string
	segments []string
	params   int
}

func (r *routeTemplates) label(reported, path string) string {
	r.once.Do(func() {
		// Every route is registered before the first request, so one read serves for good.
		seen := map[string]bool{}
		for _, rt := range r.app.GetRoutes(true) {
			if !seen[rt.Path] {
				seen[rt.Path] = true
				r.templates = append(r.templates, template{path: rt.Path,
					segments: strings.Split(rt.Path, "/"), params: strings.Count(rt.Path, "/:")})
			}
		}
		sort.SliceStable(r.templates, func(i, j int) bool { return r.templates[i].params < r.templates[j].params })
	})
	segments := strings.Split(path, "/")
	var found string
	for _, t := range r.templates {
		if templateMatches(t.segments, segments) {
			if t.path == reported {
				return reported
			}
			if found == "" {
				found = t.path
			}
		}
	}
	if found != "" {
		return found
	}
	if isAPIPath(path) || path == "/livez" || path == "/readyz" || path == "/metrics" {
		return routeUnmatched
	}
	return routeWeb
}

// templateMatches reports whether path's segments fit a template's: equal, or any non-empty
// segment for a :param.
func templateMatches(template, path []string) bool {
	if len(template) != len(path) {
		return false
	}
	for i, seg := range template {
		if strings.HasPrefix(seg, ":") {
			if path[i] == "" {
				return false
			}
			continue
		}
		if seg != path[i] {
			return false
		}
	}
	return true
}

// rootShopPath reports whether only the shop's root routes (/, /{name}, /{filter}/{name})
// can match path.
func rootShopPath(path string) bool {
	if isAPIPath(path) || path == "/livez" || path == "/readyz" || path == "/metrics" {
		return false
	}
	return strings.Count(strings.TrimSuffix(path, "/"), "/") <= 2
}
