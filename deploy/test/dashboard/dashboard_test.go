// Package dashboard lints deploy/grafana/dashboards/*.json with the rules of grafana's
// dashboard-linter (github.com/grafana/dashboard-linter), which cannot be built here: its
// v0.2.0 depends on a grafana module the module proxy does not serve. The rules, as that
// linter states them: a datasource variable and $job / $instance query variables (multi, All =
// ".+", refreshed on time change, on $datasource) that every panel and query use; every PromQL
// selector filtered by job=~"$job" and instance=~"$instance"; rate() over $__rate_interval;
// counters only inside rate, irate or increase; a title, a description and a known unit per
// panel; a dashboard that is not editable. The expressions are parsed by Prometheus's own parser.
package dashboard

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string      `json:"name"`
	Label      string      `json:"label"`
	Type       string      `json:"type"`
	Query      any         `json:"query"`
	Datasource *datasource `json:"datasource"`
	Multi      bool        `json:"multi"`
	IncludeAll bool        `json:"includeAll"`
	AllValue   string      `json:"allValue"`
	Refresh    int         `json:"refresh"`
}

type target struct {
	RefID      string      `json:"refId"`
	Expr       string      `json:"expr"`
	Datasource *datasource `json:"datasource"`
}

type panel struct {
	ID          int         `json:"id"`
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Datasource  *datasource `json:"datasource"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []target `json:"targets"`
	Panels  []panel  `json:"panels"`
}

type dashboard struct {
	Editable   bool `json:"editable"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

// rateInterval stands in for $__rate_interval while parsing, as the linter does: a duration no
// one writes by hand, so a range of any other length is known not to be $__rate_interval.
const rateInterval = 8869990787 * time.Millisecond

// units are the units of Grafana's value formats that shelf's panels may use.
var units = []string{"none", "short", "percent", "percentunit", "s", "ms", "bytes", "decbytes",
	"reqps", "ops", "cps", "cpm", "opm", "dtdurations"}

func dashboards(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards found: %v", err)
	}
	return files
}

func TestDashboardsPassTheDashboardLinterRules(t *testing.T) {
	t.Parallel()
	for _, file := range dashboards(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var d dashboard
			if err := json.Unmarshal(data, &d); err != nil {
				t.Fatalf("not a dashboard: %v", err)
			}
			for _, problem := range lint(d) {
				t.Error(problem)
			}
		})
	}
}

// lint returns every rule d breaks.
func lint(d dashboard) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if d.Editable {
		add("the dashboard is editable; provisioned dashboards must be editable: false")
	}
	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if ds, ok := vars["datasource"]; !ok || ds.Type != "datasource" || ds.Query != "prometheus" || ds.Label != "Data source" {
		add("needs a datasource variable named datasource, labelled \"Data source\", of type prometheus")
	}
	for _, name := range []string{"job", "instance"} {
		v, ok := vars[name]
		if !ok {
			add("is missing the %s variable", name)
			continue
		}
		if v.Type != "query" || v.Datasource == nil || !isDatasourceVar(v.Datasource.UID) {
			add("variable %s must be a query on $datasource", name)
		}
		if v.Label != strings.ToUpper(name[:1])+name[1:] || !v.Multi || !v.IncludeAll || v.AllValue != ".+" || v.Refresh != 2 {
			add("variable %s must be labelled %q, multi, with All = \".+\", refreshed on time range change (2)", name, strings.ToUpper(name[:1])+name[1:])
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		if err := checkVariableQuery(v); err != nil {
			add("variable %s: %v", v.Name, err)
		}
	}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
			if p.Title == "" || p.Description == "" {
				add("%s: needs a title and a description", where)
			}
			if !slices.Contains(units, p.FieldConfig.Defaults.Unit) {
				add("%s: unit %q is not a known unit", where, p.FieldConfig.Defaults.Unit)
			}
			if p.Datasource == nil || !isDatasourceVar(p.Datasource.UID) {
				add("%s: must use the $datasource variable", where)
			}
			if len(p.Targets) == 0 {
				add("%s: has no queries", where)
			}
			for _, tg := range p.Targets {
				if tg.Datasource != nil && !isDatasourceVar(tg.Datasource.UID) {
					add("%s query %s: must use the $datasource variable", where, tg.RefID)
				}
				for _, e := range checkExpr(tg.Expr) {
					add("%s query %s: %s (%s)", where, tg.RefID, e, tg.Expr)
				}
			}
		}
	}
	walk(d.Panels)
	return problems
}

func isDatasourceVar(uid string) bool { return uid == "$datasource" || uid == "${datasource}" }

var variableQuery = regexp.MustCompile(`^(label_names|label_values|metrics|query_result)\((.+)\)$`)

// checkVariableQuery checks a query variable's Grafana function and the selector in it.
func checkVariableQuery(v variable) error {
	q, _ := v.Query.(string)
	if m, ok := v.Query.(map[string]any); ok {
		q, _ = m["query"].(string)
	}
	m := variableQuery.FindStringSubmatch(q)
	if m == nil {
		return fmt.Errorf("query %q is not label_names, label_values, metrics or query_result", q)
	}
	arg := m[2]
	if m[1] == "label_values" {
		if i := strings.LastIndex(arg, ","); i >= 0 {
			arg = arg[:i]
		}
	}
	_, err := promql.ParseExpr(expand(arg))
	return err
}

var promql = parser.NewParser(parser.Options{})

// expand replaces Grafana's variables with values that parse: $__rate_interval with its
// stand-in duration, $__interval likewise, and other variables stay as text inside label values.
func expand(expr string) string {
	expr = strings.ReplaceAll(expr, "$__rate_interval", fmt.Sprint(rateInterval.Milliseconds())+"ms")
	expr = strings.ReplaceAll(expr, "${__rate_interval}", fmt.Sprint(rateInterval.Milliseconds())+"ms")
	return strings.ReplaceAll(expr, "$__interval", "4867856611ms")
}

// checkExpr returns what is wrong with one query.
func checkExpr(expr string) []string {
	node, err := promql.ParseExpr(expand(expr))
	if err != nil {
		return []string{fmt.Sprintf("invalid PromQL: %v", err)}
	}
	var problems []string
	for _, sel := range parser.ExtractSelectors(node) {
		for _, name := range []string{"job", "instance"} {
			if !hasMatcher(sel, name, "$"+name) {
				problems = append(problems, fmt.Sprintf("a selector lacks %s=~\"$%s\"", name, name))
			}
		}
	}
	_ = parser.Walk(visitor(func(n parser.Node, path []parser.Node) {
		switch n := n.(type) {
		case *parser.MatrixSelector:
			if len(path) > 0 {
				if call, ok := path[len(path)-1].(*parser.Call); ok && (call.Func.Name == "rate" || call.Func.Name == "irate") && n.Range != rateInterval {
					problems = append(problems, "rate() must use $__rate_interval")
				}
			}
		case *parser.VectorSelector:
			if !strings.HasSuffix(n.Name, "_total") {
				return
			}
			ok := len(path) >= 2
			if ok {
				_, ranged := path[len(path)-1].(*parser.MatrixSelector)
				call, isCall := path[len(path)-2].(*parser.Call)
				ok = ranged && isCall && slices.Contains([]string{"rate", "irate", "increase"}, call.Func.Name)
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("counter %s is not inside rate, irate or increase", n.Name))
			}
		}
	}), node, nil)
	return problems
}

func hasMatcher(sel []*labels.Matcher, name, value string) bool {
	for _, m := range sel {
		if m.Name == name && m.Type == labels.MatchRegexp && m.Value == value {
			return true
		}
	}
	return false
}

type visitor func(parser.Node, []parser.Node)

func (v visitor) Visit(n parser.Node, path []parser.Node) (parser.Visitor, error) {
	if n != nil {
		v(n, path)
	}
	return v, nil
}

// The rules catch what they are for: each broken dashboard below breaks one.
func TestLintRejectsWhatTheLinterRejects(t *testing.T) {
	t.Parallel()
	for query, want := range map[string]string{
		`sum(up{job="worker"})`: `lacks job=~"$job"`,
		`sum(rate(shelf_tasks_processed_total{job=~"$job", instance=~"$instance"}[5m]))`:              "$__rate_interval",
		`sum(shelf_tasks_processed_total{job=~"$job", instance=~"$instance"})`:                        "not inside rate",
		`sum(rate(shelf_tasks_processed_total{job=~"$job", instance=~"$instance"}[$__rate_interval])`: "invalid PromQL",
	} {
		problems := checkExpr(query)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("%s: want a problem with %q, got %v", query, want, problems)
		}
	}
	if problems := checkExpr(`sum(increase(shelf_lease_rescues_total{job=~"$job", instance=~"$instance"}[1h])) or vector(0)`); len(problems) != 0 {
		t.Errorf("a good query: %v", problems)
	}
	if problems := lint(dashboard{Editable: true}); len(problems) < 3 {
		t.Errorf("an empty editable dashboard breaks the variable and editable rules, got %v", problems)
	}
}
