package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/store"
)

// readyTimeout bounds the database checks behind /readyz, so a probe never hangs on a stuck disk.
const readyTimeout = 2 * time.Second

// livez answers while the process serves requests at all.
func (s *server) livez(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 when the database answers and its schema is current: before that every
// API call would fail, so a load balancer should not send any.
func (s *server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	if err := s.databaseReady(ctx); err != nil {
		s.log.Warn("api not ready", "err", err)
		return newError(fiber.StatusServiceUnavailable, "not_ready", "%v", err)
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *server) databaseReady(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	migrated, err := store.Migrated(ctx, s.db)
	if err != nil {
		return err
	}
	if !migrated {
		return errNotMigrated
	}
	return nil
}

// serveMetrics serves the registry in the Prometheus text format.
func (s *server) serveMetrics(c *fiber.Ctx) error { return s.metricsHandler(c) }
