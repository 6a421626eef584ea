package systemtest

// The shipped Grafana dashboard, checked as files: valid JSON, unique panel ids, every panel on
// the $datasource variable (defaulting to the provisioned datasource) with at least one query, and the provider's path where compose
// mounts the dashboards. The e2e test then runs every query against a real Prometheus.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

type dashboardPanel struct {
	ID         *int   `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr       string `json:"expr"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}

type dashboard struct {
	UID        string           `json:"uid"`
	Panels     []dashboardPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name    string `json:"name"`
			Current struct {
				Value any `json:"value"`
			} `json:"current"`
		} `json:"list"`
	} `json:"templating"`
}

// panelDatasource is what every panel and query names: the $datasource variable, whose default
// is the provisioned datasource.
const panelDatasource = "${datasource}"

// deployFile is a file of deploy/, from this package's folder.
func deployFile(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "deploy"}, parts...)...)
}

// checkDashboard asserts the shipped dashboard's structure and returns its PromQL expressions.
func checkDashboard(t *testing.T) []string {
	t.Helper()
	var sources struct {
		Datasources []struct {
			UID string `yaml:"uid"`
		} `yaml:"datasources"`
	}
	raw, err := os.ReadFile(deployFile("grafana", "provisioning", "datasources", "prometheus.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &sources))
	require.Len(t, sources.Datasources, 1)
	uid := sources.Datasources[0].UID
	require.NotEmpty(t, uid, "the provisioned datasource has a fixed uid")

	raw, err = os.ReadFile(deployFile("grafana", "dashboards", "shelf.json"))
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d), "shelf.json is valid JSON")
	require.Equal(t, "shelf-overview", d.UID)
	var dsDefault any
	for _, v := range d.Templating.List {
		if v.Name == "datasource" {
			dsDefault = v.Current.Value
		}
	}
	require.Equal(t, uid, dsDefault, "the datasource variable defaults to the provisioned datasource")

	var panels []dashboardPanel
	for _, p := range d.Panels {
		panels = append(panels, p)
		panels = append(panels, p.Panels...) // a collapsed row holds its panels
	}
	seen := map[int]bool{}
	var exprs, problems []string
	for _, p := range panels {
		if p.ID == nil {
			problems = append(problems, fmt.Sprintf("panel %q has no id", p.Title))
			continue
		}
		if seen[*p.ID] {
			problems = append(problems, fmt.Sprintf("panel id %d used more than once", *p.ID))
		}
		seen[*p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != panelDatasource {
			problems = append(problems, fmt.Sprintf("panel %d %q: not on datasource %s", *p.ID, p.Title, panelDatasource))
		}
		if len(p.Targets) == 0 {
			problems = append(problems, fmt.Sprintf("panel %d %q: no queries", *p.ID, p.Title))
		}
		for _, q := range p.Targets {
			if q.Datasource != nil && q.Datasource.UID != panelDatasource {
				problems = append(problems, fmt.Sprintf("a query of panel %d: datasource uid %s", *p.ID, q.Datasource.UID))
			}
			if q.Expr == "" {
				problems = append(problems, fmt.Sprintf("panel %d: a query without expr", *p.ID))
				continue
			}
			exprs = append(exprs, q.Expr)
		}
	}
	require.Empty(t, problems)

	provider, err := os.ReadFile(deployFile("grafana", "provisioning", "dashboards", "shelf.yaml"))
	require.NoError(t, err)
	compose, err := os.ReadFile(deployFile("compose.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(provider), "path: /etc/grafana/dashboards/shelf", "the dashboard provider's path")
	require.Contains(t, string(compose), "./grafana/dashboards:/etc/grafana/dashboards/shelf",
		"compose mounts the dashboards where the provider looks")
	return exprs
}

func TestGrafanaDashboardIsValidAndQueriesTheProvisionedDatasource(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, checkDashboard(t), "the dashboard has queries")
}
