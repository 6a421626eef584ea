package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/queue"
)

// workerSeenWindow is how recent a worker's heartbeat must be for it to count as alive; workers
// report every few seconds, so a minute tolerates a slow database without hiding a dead one.
const workerSeenWindow = time.Minute

func (s *server) taskTypes(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"task_types": s.q.Registry().Names()})
}

// workersResponse is the health page's view of the worker replicas.
type workersResponse struct {
	Workers []queue.WorkerInfo `json:"workers"`
	// Slots and Busy are summed over the workers.
	Slots int `json:"slots"`
	Busy  int `json:"busy"`
}

func (s *server) workers(c *fiber.Ctx) error {
	ws, err := s.q.Workers(c.UserContext(), time.Now().Add(-workerSeenWindow))
	if err != nil {
		return err
	}
	out := workersResponse{Workers: ws}
	if out.Workers == nil {
		out.Workers = []queue.WorkerInfo{}
	}
	for _, w := range ws {
		out.Slots += w.Slots
		out.Busy += w.Busy
	}
	return c.JSON(out)
}

// statsResponse counts every task (children included) by status, and by name and status.
type statsResponse struct {
	Total    int                       `json:"total"`
	ByStatus map[string]int            `json:"by_status"`
	ByName   map[string]map[string]int `json:"by_name"`
}

func (s *server) stats(c *fiber.Ctx) error {
	depths, err := s.q.Depths(c.UserContext())
	if err != nil {
		return err
	}
	out := statsResponse{ByStatus: zeroCounts(), ByName: map[string]map[string]int{}}
	for _, d := range depths {
		out.Total += d.Count
		out.ByStatus[string(d.Status)] += d.Count
		if out.ByName[d.Name] == nil {
			out.ByName[d.Name] = zeroCounts()
		}
		out.ByName[d.Name][string(d.Status)] += d.Count
	}
	return c.JSON(out)
}

// zeroCounts has every status at 0, so clients need no "missing means zero" rule.
func zeroCounts() map[string]int {
	m := make(map[string]int, len(queue.Statuses))
	for _, st := range queue.Statuses {
		m[string(st)] = 0
	}
	return m
}
