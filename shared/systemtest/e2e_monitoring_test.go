//go:build e2e

package systemtest

// Monitoring in containers: Prometheus (compose profile `monitoring`, the image run.sh builds
// from Debian's binary) finds every worker replica by DNS and scrapes every target, and every
// query of the shipped Grafana dashboard returns data once there is traffic.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/diagnostic"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/servicetest"
)

// promGet decodes the data of a Prometheus HTTP API answer into out.
func (s *stack) promGet(path string, query url.Values, out any) error {
	u := s.prom + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	resp, err := servicetest.Client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("GET %s: %s: %w", path, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || body.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body.Error)
	}
	return json.Unmarshal(body.Data, out)
}

type promTarget struct {
	Labels    map[string]string `json:"labels"`
	Health    string            `json:"health"`
	LastError string            `json:"lastError"`
}

func (s *stack) promTargets() ([]promTarget, error) {
	var data struct {
		ActiveTargets []promTarget `json:"activeTargets"`
	}
	err := s.promGet("/api/v1/targets", url.Values{"state": {"active"}}, &data)
	return data.ActiveTargets, err
}

// targetsUp: one api, one watcher and workers workers, every one of them up.
func targetsUp(targets []promTarget, workers int) bool {
	jobs := map[string]int{}
	for _, t := range targets {
		if t.Labels["job"] == "prometheus" {
			continue
		}
		if t.Health != "up" {
			return false
		}
		jobs[t.Labels["job"]]++
	}
	return jobs["api"] == 1 && jobs["watcher"] == 1 && jobs["worker"] == workers && len(jobs) == 3
}

// promHasData is whether the instant query expr returns at least one series.
func (s *stack) promHasData(expr string) bool {
	var data struct {
		Result []json.RawMessage `json:"result"`
	}
	return s.promGet("/api/v1/query", url.Values{"query": {expr}}, &data) == nil && len(data.Result) > 0
}

func (s *stack) checkMonitoring(t *testing.T) {
	s = s.with(t)
	exprs := checkDashboard(t)
	if _, err := exec.LookPath("promtool"); err == nil {
		out, err := exec.Command("promtool", "check", "config", deployFile("prometheus", "prometheus.yml")).CombinedOutput()
		require.NoError(t, err, "promtool check config:\n%s", out)
	} else {
		t.Log("no promtool here: the shipped prometheus.yml is checked by the Prometheus that loads it below")
	}

	s.mustCompose("--profile", "monitoring", "up", "-d", "--no-recreate", "prometheus")
	workers := len(s.workers())
	require.True(t, eventually.Within(time.Minute, time.Second, func() bool {
		resp, err := servicetest.Client.Get(s.prom + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}), "Prometheus did not become ready")
	var targets []promTarget
	require.True(t, eventually.Within(time.Minute, time.Second, func() bool {
		var err error
		targets, err = s.promTargets()
		return err == nil && targetsUp(targets, workers)
	}), "every target up (api, watcher, %d workers by DNS); targets: %+v", workers, targets)
	t.Logf("Prometheus scrapes api, watcher and %d workers (found by DNS); generating traffic", workers)

	// Traffic for every panel: a long fan-out (pending, running and waiting tasks, progress,
	// the oldest pending task's age), quick tasks, a failure, and file events for the watcher.
	load := s.fanout(1200, servicetest.NewTask(diagnostic.SleepArgs{Seconds: 1}))
	s.fanout(300, api.CreateTaskRequest{Name: diagnostic.Echo, Args: servicetest.Args(map[string]string{"hello": "e2e"})})
	s.enqueue(servicetest.NewTask(diagnostic.FailArgs{Permanent: true}))
	drop := filepath.Join(s.library, "e2e-drop")
	require.NoError(t, os.MkdirAll(drop, 0o755))
	writeFile(t, filepath.Join(drop, "readme.txt"), "not a game")
	writeFile(t, filepath.Join(drop, "Super Game [0100E2E000000000][v0].nsp"), "e2e")
	giveToContainers(t, drop)
	// Rates need a few scrapes (every 5 s here) of the traffic before they have a value.
	time.Sleep(20 * time.Second)

	deadline := time.Now().Add(time.Minute)
	// Grafana's variables as it fills them in: the $job and $instance variables at "All".
	rates := strings.NewReplacer("$__rate_interval", "1m", "$__interval", "15s", "$job", ".+", "$instance", ".+")
	var empty []string
	for _, expr := range exprs {
		e := rates.Replace(expr)
		if !eventually.Within(time.Until(deadline), 2*time.Second, func() bool { return s.promHasData(e) }) {
			empty = append(empty, expr)
		}
	}
	t.Logf("load fan-out %d: %s", load, s.progress(load))
	s.waitFinished(load, 150*time.Second) // so the next check starts on a quiet queue
	require.Empty(t, empty, "%d/%d dashboard queries returned data", len(exprs)-len(empty), len(exprs))
	t.Logf("all targets up (api, watcher, %d workers via DNS SD); %d/%d dashboard queries return data", workers, len(exprs), len(exprs))
}
