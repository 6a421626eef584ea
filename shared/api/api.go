// Package api is shelf's REST API: a Fiber app over the shared task queue, the library catalog
// and the live settings. It only enqueues work; workers run it. Every answer is JSON, errors
// included (see errors.go), and GET /api/openapi.json describes every route.
package api

import (
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
)

// DefaultBodyLimit bounds a request body when Options.BodyLimit is 0.
const DefaultBodyLimit = 1 << 20

// readTimeout bounds reading one request (headers and body, at most BodyLimit) and how long an
// idle keep-alive connection stays open, so a client that sends slowly or never finishes (a
// body "until close") cannot hold connections forever. Answers are not bounded: a shop
// download to a console may take long.
const readTimeout = time.Minute

// Options configure the API. Queue, DB and Settings are required.
type Options struct {
	Queue    *queue.Queue
	DB       *gorm.DB
	Settings *settings.Manager
	// DataDir holds the generated library index (pipeline.LibraryIndexPath).
	DataDir string
	// Token is SHELF_API_TOKEN: when set, every POST, PUT, PATCH and DELETE needs
	// "Authorization: Bearer <token>". "" leaves the API open (New logs that loudly).
	Token string
	// ProtectReads makes /api/ reads need the token too. /livez, /readyz, /metrics and the
	// web UI's files stay open either way.
	ProtectReads bool
	// Metrics is served at GET /metrics. nil serves an empty registry.
	Metrics *prometheus.Registry
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// BodyLimit is the largest request body in bytes. Defaults to DefaultBodyLimit (1 MiB).
	BodyLimit int
	// Static, if set, holds the web UI's files, served at / for every path outside /api/.
	Static fs.FS
}

// server holds what the handlers share.
type server struct {
	opts Options
	log  *slog.Logger
	q    *queue.Queue
	db   *gorm.DB
	set  *settings.Manager
}

// New returns the API as a Fiber app, ready for app.Listener.
func New(opts Options) *fiber.App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = DefaultBodyLimit
	}
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	s := &server{opts: opts, log: opts.Logger, q: opts.Queue, db: opts.DB, set: opts.Settings}
	if s.set != nil {
		s.set.AddCheck(checkTitleLocale(opts.DataDir))
	}
	if opts.Token == "" {
		s.log.Warn("SHELF_API_TOKEN is not set: the api is OPEN, anyone who can reach it may " +
			"enqueue, cancel and delete tasks and change settings")
	}

	app := fiber.New(fiber.Config{
		AppName:               "shelf",
		BodyLimit:             opts.BodyLimit,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           readTimeout,
	})
	app.Use(s.countRequests(app))
	app.Use(recoverPanics(s.log))
	app.Use(requestid.New())
	app.Use(s.authenticate)
	s.routes(app)
	s.answerUnknownMethodsInJSON(app)
	redactUnparsableRequests(app)
	if opts.Static != nil {
		app.Use("/", filesystem.New(filesystem.Config{
			Root:  http.FS(opts.Static),
			Index: "index.html",
			// /api/ belongs to the JSON API: an unknown route there is a JSON 404, never a page.
			Next: func(c *fiber.Ctx) bool { return isAPIPath(c.Path()) },
		}))
	}
	return app
}

// routes registers every route. The OpenAPI document (openapi.go) describes each of them; a
// test fails when the two disagree.
func (s *server) routes(app *fiber.App) {
	app.Get("/livez", s.livez)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics())

	api := app.Group("/api")
	api.Get("/openapi.json", s.openAPI)

	api.Post("/tasks", s.createTask)
	api.Get("/tasks", s.listTasks)
	api.Delete("/tasks", s.purgeTasks)
	api.Get("/tasks/:id", s.getTask)
	api.Patch("/tasks/:id", s.rescheduleTask)
	api.Delete("/tasks/:id", s.removeTask)
	api.Post("/tasks/:id/cancel", s.cancelTask)
	api.Post("/tasks/:id/retry", s.retryTask)
	api.Get("/task-types", s.taskTypes)
	api.Get("/workers", s.workers)
	api.Get("/stats", s.stats)

	api.Get("/settings", s.getSettings)
	api.Put("/settings", s.putSettings)
	api.Post("/settings/preview", s.previewSettings)
	s.keysRoutes(api)

	api.Get("/library", s.libraryIndex)
	api.Post("/library/scan", s.scanLibrary)
	api.Get("/titles/:title_id", s.getTitle)
	api.Get("/files", s.listFiles)

	api.Get("/titledb", s.getTitleDB)
	api.Get("/titledb/custom", s.listCustomTitles)
	api.Post("/titledb/custom", s.addCustomTitle)
	api.Put("/titledb/custom/:title_id", s.updateCustomTitle)
	api.Delete("/titledb/custom/:title_id", s.deleteCustomTitle)

	api.Get("/shop", s.shopIndex)
	api.Get("/shop/files/:id/:name", s.shopFile)
}

func isAPIPath(path string) bool { return path == "/api" || strings.HasPrefix(path, "/api/") }
