package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

func (s *server) getSettings(c *fiber.Ctx) error {
	return c.JSON(s.set.Current())
}

// putSettings applies a whole or partial settings document (settings.Merge: objects merge
// field by field, library.paths is replaced as a whole), saves settings.yaml and answers with the
// settings now in force. Every service sees the change through its own watch of the file.
func (s *server) putSettings(c *fiber.Ctx) error {
	body := c.Body()
	if err := requireJSONObject(body); err != nil {
		return err
	}
	before := s.set.Current().Library.Paths
	next, err := s.set.Update(body)
	if err != nil {
		return err // a settings.ValidationError is a 422 (classify); anything else a 500
	}
	if err := s.enqueueLibraryChanges(c.UserContext(), before, next.Library.Paths); err != nil {
		return fmt.Errorf("settings saved, but enqueueing the library tasks failed: %w", err)
	}
	return c.JSON(next)
}

// enqueueLibraryChanges scans each library folder the update added and forgets each one it
// removed, so the catalog follows the settings without the user asking.
func (s *server) enqueueLibraryChanges(ctx context.Context, before, after []string) error {
	for _, p := range after {
		if !slices.Contains(before, p) {
			if _, err := s.enqueueLibraryTask(ctx, pipeline.ScanLibraryArgs{LibraryPath: p}); err != nil {
				return err
			}
		}
	}
	for _, p := range before {
		if !slices.Contains(after, p) {
			if _, err := s.enqueueLibraryTask(ctx, pipeline.RemoveLibraryArgs{LibraryPath: p}); err != nil {
				return err
			}
		}
	}
	return nil
}

// enqueueLibraryTask enqueues one of the pipeline's per-library tasks.
func (s *server) enqueueLibraryTask(ctx context.Context, args queue.Args) (queue.Task, error) {
	res, err := s.q.Enqueue(ctx, queue.NewParams(args))
	if err != nil {
		return queue.Task{}, fmt.Errorf("enqueueing %s %+v: %w", args.Kind(), args, err)
	}
	s.log.Info("library task enqueued", "task_id", res.Task.ID, "task_name", args.Kind(), "args", args,
		"deduplicated", res.Deduplicated)
	return res.Task, nil
}
