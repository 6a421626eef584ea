// Package api is shelf's REST API: a Fiber app over the shared task queue, the library catalog
// and the live settings. It only enqueues work; workers run it. Every answer is JSON, errors
// included (see errors.go), and GET /api/openapi.json describes every route.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/document"
	"github.com/shelfhq/shelf/shared/metrics"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/titledb"
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
	// Secret signs CSRF tokens; the zero value loads (or makes) <DataDir>/session.key.
	Secret account.Secret
	// History serves GET /api/stats/history; the caller runs it (History.Run). nil answers
	// with no samples.
	History *History
	// TrustedProxies are the addresses (IPs or CIDRs) of reverse proxies whose
	// X-Forwarded-For and X-Forwarded-Proto are believed; from no one else.
	TrustedProxies []string
}

// server holds what the handlers share.
type server struct {
	opts Options
	log  *slog.Logger
	q    *queue.Queue
	db   *gorm.DB
	set  *settings.Manager

	metricsHandler fiber.Handler
	acc            *accounts
	history        *History

	// docs and titleSync are set on PostgreSQL, where the library index and the title
	// database reach this process through the database (document).
	docs      *document.Store
	titleSync *titledb.Syncer
	index     sharedIndex
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
	s := &server{opts: opts, log: opts.Logger, q: opts.Queue, db: opts.DB, set: opts.Settings,
		metricsHandler: adaptor.HTTPHandler(metrics.Handler(opts.Metrics))}
	if opts.DB != nil && document.Shared(opts.DB) {
		s.docs = document.New(opts.DB)
		s.titleSync = titledb.NewSyncer(s.docs, pipeline.TitleDBDir(opts.DataDir))
	}
	if s.set != nil {
		s.set.AddCheck(checkTitleLocale(opts.DataDir, s.syncTitles))
	}
	s.acc = newAccounts(opts)
	if s.history = opts.History; s.history == nil {
		s.history = NewHistory(opts.Queue, 0, opts.Logger)
	}
	s.warnWhenOpen()

	app := fiber.New(fiber.Config{
		AppName:               "shelf",
		BodyLimit:             opts.BodyLimit,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           readTimeout,
		// X-Forwarded-* are believed from the configured proxies only (Fiber believes
		// anyone's by default), so a client cannot claim TLS or another address.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          opts.TrustedProxies,
		ProxyHeader:             proxyHeader(opts.TrustedProxies),
	})
	app.Use(s.countRequests(app))
	app.Use(recoverPanics(s.log))
	app.Use(requestid.New())
	s.routes(app)
	s.answerUnknownMethodsInJSON(app)
	redactUnparsableRequests(app)
	if opts.Static != nil {
		// After the routes: the shop's routes at the root pass a browser's request on to here.
		app.Use("/", filesystem.New(filesystem.Config{
			Root:  http.FS(opts.Static),
			Index: "index.html",
			// /api/ belongs to the JSON API: an unknown route there is a JSON 404, never a page.
			Next: func(c *fiber.Ctx) bool { return isAPIPath(c.Path()) },
		}))
	}
	return app
}

func isAPIPath(path string) bool { return path == "/api" || strings.HasPrefix(path, "/api/") }

// proxyHeader names the header that holds a proxied client's address, when proxies are
// trusted at all.
func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

func newAccounts(opts Options) *accounts {
	secret := opts.Secret
	if secret.IsZero() {
		var err error
		if secret, err = account.LoadSecret(opts.DataDir); err != nil {
			// Sessions still work; CSRF tokens then hold for this process only.
			opts.Logger.Error("session secret unreadable: using one for this process only", "err", err)
			secret = account.RandomSecret()
		}
	}
	return &accounts{
		auth:      account.NewAuthenticator(opts.DB),
		secret:    secret,
		byAddress: account.NewLimiter(failuresPerAddress, failureWindow),
		byUser:    account.NewLimiter(failuresPerUser, failureWindow),
	}
}

// warnWhenOpen says loudly at start that anyone may change everything, when that is so.
func (s *server) warnWhenOpen() {
	if s.opts.Token != "" || s.db == nil {
		return
	}
	n, err := account.CountUsers(context.Background(), s.db)
	if err != nil || n > 0 {
		return
	}
	s.log.Warn("no user exists and SHELF_API_TOKEN is not set: the api is OPEN, anyone who can reach it " +
		"may enqueue, cancel and delete tasks and change settings; add an admin (setup page, " +
		"SHELF_ADMIN_USER, or shelf-api user add)")
}
