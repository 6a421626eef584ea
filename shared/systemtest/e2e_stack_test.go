//go:build e2e

package systemtest

// The container stack of the end-to-end test: deploy/compose.yaml brought up under its own
// project name with the images deploy/e2e/run.sh built, driven through docker-compose and the
// docker CLI, and taken down when the test ends.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/servicetest"
)

// e2eLease is SHELF_LEASE_TIMEOUT in the containers: short, so a killed worker's tasks come
// back within seconds.
const e2eLease = 5 * time.Second

// e2eGrace is SHELF_GRACE_PERIOD of the workers.
const e2eGrace = 20 * time.Second

// containerUID is the user the images run as: the library must be theirs to write.
const containerUID = 10001

type stack struct {
	t       *testing.T
	root    string // the workspace root
	tmp     string
	library string
	project string
	compose []string // the compose command with the project's flags
	api     *servicetest.API
	prom    string // Prometheus's base URL
}

// e2eEnv is a required variable that deploy/e2e/run.sh sets.
func e2eEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the end-to-end test with `make e2e` (deploy/e2e/run.sh builds the images first)", name)
	}
	return v
}

// startStack writes the sample library and the compose files of this run, starts the api,
// three workers and the watcher, and waits until they are healthy.
func startStack(t *testing.T) *stack {
	cmd := composeCommand()
	require.NotNil(t, cmd, "needs docker-compose (or SHELF_E2E_COMPOSE)")
	s := &stack{t: t, root: servicetest.WorkspaceRoot(t), project: e2eEnv(t, "SHELF_E2E_PROJECT")}
	prefix, tag := e2eEnv(t, "SHELF_E2E_IMAGE_PREFIX"), e2eEnv(t, "SHELF_E2E_TAG")

	// Not t.TempDir: the containers' user must be able to reach the library and the
	// Prometheus configuration through it.
	tmp, err := os.MkdirTemp("", "shelf-e2e-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(tmp, 0o755))
	s.tmp = tmp
	s.library = filepath.Join(tmp, "library")
	token := "e2e-" + randomHex(16)
	apiAddr, promAddr := servicetest.FreeAddr(t), servicetest.FreeAddr(t)
	s.api = &servicetest.API{Base: "http://" + apiAddr, Token: token}
	s.prom = "http://" + promAddr

	env := strings.Join([]string{
		"SHELF_IMAGE_PREFIX=" + prefix,
		"SHELF_TAG=" + tag,
		"SHELF_LIBRARY=" + s.library,
		"SHELF_HTTP_PUBLISH=" + apiAddr,
		"SHELF_PROMETHEUS_PUBLISH=" + promAddr,
		"SHELF_GRAFANA_PUBLISH=" + servicetest.FreeAddr(t),
		"SHELF_PROMETHEUS_IMAGE=" + prefix + "-prometheus:" + tag,
		"SHELF_API_TOKEN=" + token,
		"SHELF_LEASE_TIMEOUT=" + e2eLease.String(),
		"SHELF_GRACE_PERIOD=" + e2eGrace.String(),
		"SHELF_LOG_LEVEL=info",
	}, "\n") + "\n"
	writeFile(t, filepath.Join(tmp, "e2e.env"), env)
	// The test's only change to the shipped files: Prometheus scrapes and resolves the replicas
	// every 5 s instead of 15 s, so the rates fill quickly.
	shipped, err := os.ReadFile(deployFile("prometheus", "prometheus.yml"))
	require.NoError(t, err)
	fast := regexp.MustCompile(`(?m)^([ \t]+(scrape_interval|evaluation_interval|refresh_interval):).*$`).
		ReplaceAllString(string(shipped), "$1 5s")
	writeFile(t, filepath.Join(tmp, "prometheus.yml"), fast)
	// The local Prometheus image is FROM scratch with Debian's binary alone: no wget for the
	// shipped healthcheck. Compose v1 cannot disable a healthcheck the base file configures
	// ("disable" merges with its interval and is refused), so the override only checks that the
	// binary runs; the test waits for /-/ready itself, and nothing it starts waits on this.
	writeFile(t, filepath.Join(tmp, "compose.e2e.yaml"), fmt.Sprintf("services:\n  prometheus:\n    volumes:\n"+
		"      - %s:/etc/prometheus/prometheus.yml:ro\n    healthcheck:\n      test: [\"CMD\", \"/bin/prometheus\", \"--version\"]\n",
		filepath.Join(tmp, "prometheus.yml")))
	s.compose = append(cmd, "--env-file", filepath.Join(tmp, "e2e.env"), "-p", s.project,
		"-f", filepath.Join(s.root, "deploy", "compose.yaml"), "-f", filepath.Join(tmp, "compose.e2e.yaml"))
	t.Cleanup(s.down)

	s.writeSampleLibrary()
	t.Logf("starting project %s: api on %s, 3 workers, watcher", s.project, s.api.Base)
	s.mustCompose("config", "-q")
	s.mustCompose("up", "-d", "--scale", "worker=3")
	s.waitReady(2 * time.Minute)
	s.waitHealthy("worker", 3, 2*time.Minute)
	s.waitHealthy("watcher", 1, time.Minute)
	return s
}

// down takes the project away with its volumes (deploy/e2e/run.sh removes the images and
// anything left under the project's label); on failure it first prints what compose knows.
func (s *stack) down() {
	t := s.t
	if t.Failed() {
		out, _ := s.composeOutput("--profile", "monitoring", "ps", "-a")
		logs, _ := s.composeOutput("--profile", "monitoring", "logs", "--no-color", "--tail=150")
		t.Logf("docker-compose ps:\n%s\nlogs:\n%s", out, logs)
	}
	if os.Getenv("SHELF_E2E_KEEP") != "" {
		t.Logf("SHELF_E2E_KEEP set: left project %s up; remove it with:\n  %s --profile monitoring down -v --remove-orphans",
			s.project, strings.Join(s.compose, " "))
		return
	}
	if out, err := s.composeOutput("--profile", "monitoring", "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
		t.Logf("docker-compose down: %v\n%s", err, out)
	}
	_ = os.RemoveAll(s.tmp)
}

func (s *stack) composeOutput(args ...string) (string, error) {
	cmd := exec.Command(s.compose[0], append(s.compose[1:], args...)...)
	cmd.Dir = s.root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustCompose runs a compose command and fails the test when it fails.
func (s *stack) mustCompose(args ...string) {
	s.t.Helper()
	out, err := s.composeOutput(args...)
	require.NoError(s.t, err, "docker-compose %s:\n%s", strings.Join(args, " "), out)
}

// docker runs the docker CLI and returns its trimmed output.
func docker(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func (s *stack) mustDocker(args ...string) string {
	s.t.Helper()
	out, err := docker(args...)
	require.NoError(s.t, err)
	return out
}

// containers lists the ids (12 characters, the containers' hostnames) of service's running
// containers, or of all of them, running or not, with all.
func (s *stack) containers(service string, all bool) []string {
	s.t.Helper()
	args := []string{"ps", "-q", "--filter", "label=com.docker.compose.project=" + s.project,
		"--filter", "label=com.docker.compose.service=" + service}
	if all {
		args = append(args, "-a")
	}
	return strings.Fields(s.mustDocker(args...))
}

// workers are the running worker containers.
func (s *stack) workers() []string { return s.containers("worker", false) }

func (s *stack) healthyCount(service string) (healthy, running int) {
	ids := s.containers(service, false)
	for _, id := range ids {
		if st, err := docker("inspect", "-f", "{{.State.Health.Status}}", id); err == nil && st == "healthy" {
			healthy++
		}
	}
	return healthy, len(ids)
}

// waitHealthy waits until service runs exactly n containers, all healthy.
func (s *stack) waitHealthy(service string, n int, timeout time.Duration) {
	s.t.Helper()
	healthy, running := 0, 0
	if !eventually.Within(timeout, time.Second, func() bool {
		healthy, running = s.healthyCount(service)
		return healthy == n && running == n
	}) {
		s.t.Fatalf("%s: %d of %d running containers healthy after %s, want %d", service, healthy, running, timeout, n)
	}
}

// ensureWorkers makes it exactly n running, healthy worker replicas.
func (s *stack) ensureWorkers(n int) {
	s.t.Helper()
	if len(s.workers()) != n {
		s.scaleWorkers(n)
	}
	s.waitHealthy("worker", n, 90*time.Second)
}

func (s *stack) scaleWorkers(n int) {
	s.t.Helper()
	s.mustCompose("up", "-d", "--no-recreate", "--scale", fmt.Sprintf("worker=%d", n), "worker")
}

func (s *stack) waitReady(timeout time.Duration) {
	s.t.Helper()
	var err error
	if !eventually.Within(timeout, time.Second, func() bool { err = s.api.Ready(context.Background()); return err == nil }) {
		s.t.Fatalf("the api on %s was not ready within %s: %v", s.api.Base, timeout, err)
	}
}

// containerMetrics scrapes the metrics port (9100) of a worker or watcher container.
func (s *stack) containerMetrics(id string) (servicetest.Metrics, error) {
	ip, err := docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", id)
	if err != nil {
		return nil, err
	}
	fields := strings.Fields(ip)
	if len(fields) == 0 {
		return nil, fmt.Errorf("container %s has no address", id)
	}
	return servicetest.Scrape(context.Background(), "http://"+fields[0]+":9100/metrics")
}

// writeSampleLibrary writes the sample library that matches the embedded titledb, owned by the
// containers' user (the organizer moves files).
func (s *stack) writeSampleLibrary() {
	t := s.t
	cmd := exec.Command("go", "run", "./shared/cmd/samplelib", "-out", s.library)
	cmd.Dir = s.root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "samplelib:\n%s", out)
	giveToContainers(t, s.library)
}

// giveToContainers hands root to the containers' user; where this process may not chown
// (not root), it makes the tree writable by everyone instead.
func giveToContainers(t *testing.T, root string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if os.Lchown(p, containerUID, containerUID) == nil {
			return nil
		}
		mode := os.FileMode(0o666)
		if d.IsDir() {
			mode = 0o777
		}
		return os.Chmod(p, mode)
	}))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ---- tasks through the api

// enqueue sends req with a dedup key of its own, so that no check ever receives another one's
// task.
func (s *stack) enqueue(req api.CreateTaskRequest) int64 {
	s.t.Helper()
	req.DedupKey = "e2e-" + randomHex(8)
	res, err := s.api.Enqueue(context.Background(), req)
	require.NoError(s.t, err)
	return res.Task.ID
}

// fanout enqueues a diagnostic fan-out of n children, each a task req.
func (s *stack) fanout(n int, child api.CreateTaskRequest) int64 {
	var a diagnostic.FanoutArgs
	a.Children, a.Child.Name, a.Child.Args = n, child.Name, child.Args
	return s.enqueue(servicetest.NewTask(a))
}

func (s *stack) task(id int64) queue.Task {
	s.t.Helper()
	res, err := s.api.Task(context.Background(), id)
	require.NoError(s.t, err)
	return res.Task
}

// progress describes a fan-out for messages.
func (s *stack) progress(id int64) string {
	res, err := s.api.Task(context.Background(), id)
	if err != nil {
		return err.Error()
	}
	c := res.Task.Children
	return fmt.Sprintf("%s %d/%d failed %d", res.Task.Status, c.Completed, c.Total, c.Failed)
}

// waitFinished waits until task id reaches a final state.
func (s *stack) waitFinished(id int64, timeout time.Duration) bool {
	return eventually.Within(timeout, time.Second, func() bool {
		res, err := s.api.Task(context.Background(), id)
		return err == nil && res.Task.Status.Finished()
	})
}

// waitProgress waits until at least done children of fan-out id completed.
func (s *stack) waitProgress(id int64, done int, timeout time.Duration) {
	s.t.Helper()
	if !eventually.Within(timeout, 500*time.Millisecond, func() bool { return s.task(id).Children.Completed >= done }) {
		s.t.Fatalf("fan-out %d did not reach %d completed children in %s (%s)", id, done, timeout, s.progress(id))
	}
}

// children lists every child of parent in status (any when empty).
func (s *stack) children(parent int64, status queue.Status) []queue.Task {
	s.t.Helper()
	kids, err := s.api.Children(context.Background(), parent, status)
	require.NoError(s.t, err)
	return kids
}
