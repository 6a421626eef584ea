package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/queue"
)

// rescheduleRequest is the body of PATCH /api/tasks/{id}; an absent field keeps its value.
type rescheduleRequest struct {
	RunAfter *string `json:"run_after"`
	Priority *int    `json:"priority"`
}

// rescheduleTask moves a pending task to another time or priority.
func (s *server) rescheduleTask(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req rescheduleRequest
	if err := decodeBody(c.Body(), &req); err != nil {
		return err
	}
	if req.RunAfter == nil && req.Priority == nil {
		return invalidField("run_after", "send run_after, priority or both")
	}
	if req.Priority != nil {
		if err := checkPriority(*req.Priority); err != nil {
			return err
		}
	}
	t, err := s.q.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	runAfter := t.RunAfter
	if req.RunAfter != nil {
		if runAfter, err = parseRunAfter(*req.RunAfter); err != nil {
			return err
		}
	}
	t, err = s.q.Reschedule(c.UserContext(), id, runAfter, req.Priority)
	if err != nil {
		return err
	}
	return c.JSON(TaskResponse{Task: t})
}

// deletedResponse says how many top-level tasks a delete removed.
type deletedResponse struct {
	Deleted int `json:"deleted"`
}

// removeTask deletes a pending top-level task, e.g. a scheduled run nobody wants.
func (s *server) removeTask(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.q.Remove(c.UserContext(), id); err != nil {
		return err
	}
	return c.JSON(deletedResponse{Deleted: 1})
}

// purgeTasks deletes every finished top-level task in one status, with its children. The
// status is required: a bare DELETE /api/tasks must not empty the history.
func (s *server) purgeTasks(c *fiber.Ctx) error {
	status := queue.Status(c.Query("status"))
	if !status.Finished() {
		return invalidField("status", "must be completed, failed or cancelled, got %q", status)
	}
	n, err := s.q.Purge(c.UserContext(), status)
	if err != nil {
		return err
	}
	return c.JSON(deletedResponse{Deleted: n})
}
