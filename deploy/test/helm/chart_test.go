// Package helm checks the chart deploy/helm/shelf with helm's own code: `helm lint` (pkg/lint)
// and `helm template` (a client-only dry-run install), and decodes every rendered manifest
// strictly into its Kubernetes type (k8s.io/api), so a misspelt or misplaced field fails here
// rather than on a cluster.
package helm

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const chartDir = "../../helm/shelf"

// externalDB is the smallest valid configuration: an external PostgreSQL.
func externalDB() map[string]any {
	return map[string]any{"database": map[string]any{"url": "postgres://shelf:pw@db.example:5432/shelf?sslmode=require"}}
}

// rendered holds every manifest of one render, by kind and name.
type rendered struct {
	deployments  map[string]appsv1.Deployment
	statefulSets map[string]appsv1.StatefulSet
	services     map[string]corev1.Service
	secrets      map[string]corev1.Secret
	claims       map[string]corev1.PersistentVolumeClaim
	ingresses    map[string]networkingv1.Ingress
	monitors     map[string]serviceMonitor
	scaledObjs   map[string]scaledObject
}

// serviceMonitor and scaledObject are the fields of the Prometheus Operator's and KEDA's
// resources that the chart sets; strict decoding rejects any other.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		JobLabel  string               `json:"jobLabel"`
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount int `json:"minReplicaCount"`
		MaxReplicaCount int `json:"maxReplicaCount"`
		Triggers        []struct {
			Type     string            `json:"type"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// render is `helm template shelf deploy/helm/shelf --namespace shelf` with values.
func render(t *testing.T, values map[string]any) (rendered, error) {
	t.Helper()
	chart, err := loader.Load(chartDir)
	require.NoError(t, err)
	install := action.NewInstall(&action.Configuration{})
	install.DryRun, install.ClientOnly, install.Replace = true, true, true
	install.ReleaseName, install.Namespace = "shelf", "shelf"
	rel, err := install.Run(chart, values)
	if err != nil {
		return rendered{}, err
	}
	r := rendered{deployments: map[string]appsv1.Deployment{}, statefulSets: map[string]appsv1.StatefulSet{},
		services: map[string]corev1.Service{}, secrets: map[string]corev1.Secret{}, claims: map[string]corev1.PersistentVolumeClaim{},
		ingresses: map[string]networkingv1.Ingress{}, monitors: map[string]serviceMonitor{}, scaledObjs: map[string]scaledObject{}}
	for _, doc := range strings.Split(rel.Manifest, "\n---") {
		if strings.TrimSpace(strings.TrimPrefix(doc, "---")) == "" {
			continue
		}
		var meta metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal([]byte(doc), &meta))
		var name string
		switch meta.Kind {
		case "Deployment":
			name = decodeInto(t, doc, r.deployments)
		case "StatefulSet":
			name = decodeInto(t, doc, r.statefulSets)
		case "Service":
			name = decodeInto(t, doc, r.services)
		case "Secret":
			name = decodeInto(t, doc, r.secrets)
		case "PersistentVolumeClaim":
			name = decodeInto(t, doc, r.claims)
		case "Ingress":
			name = decodeInto(t, doc, r.ingresses)
		case "ServiceMonitor":
			name = decodeInto(t, doc, r.monitors)
		case "ScaledObject":
			name = decodeInto(t, doc, r.scaledObjs)
		default:
			t.Fatalf("the chart renders a %s the test does not know:\n%s", meta.Kind, doc)
		}
		require.NotEmpty(t, name, "a %s without a name", meta.Kind)
	}
	return r, nil
}

// decodeInto decodes doc strictly (unknown fields are errors) and files it under its name.
func decodeInto[T any](t *testing.T, doc string, into map[string]T) string {
	t.Helper()
	var obj T
	require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &obj), doc)
	var meta struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(doc), &meta))
	into[meta.Metadata.Name] = obj
	return meta.Metadata.Name
}

func TestChartPassesHelmLint(t *testing.T) {
	for name, values := range map[string]map[string]any{
		"external database":  externalDB(),
		"bundled postgresql": {"postgresql": map[string]any{"enabled": true, "password": "0123abcd"}},
		"sqlite on one node": {"sqlite": map[string]any{"nodeName": "node-1"}},
	} {
		linter := lint.All(chartDir, values, "shelf", true)
		var problems []string
		for _, m := range linter.Messages {
			if m.Severity >= support.WarningSev {
				problems = append(problems, m.Error())
			}
		}
		require.Empty(t, problems, name)
	}
}

func TestChartRunsEveryComponentNonRootReadOnlyWithProbes(t *testing.T) {
	values := externalDB()
	values["apiToken"] = map[string]any{"value": "s3cret"}
	r, err := render(t, values)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"shelf-api", "shelf-worker", "shelf-watcher"}, keys(r.deployments))
	for name, d := range r.deployments {
		pod := d.Spec.Template.Spec
		require.True(t, *pod.SecurityContext.RunAsNonRoot, name)
		require.EqualValues(t, 10001, *pod.SecurityContext.RunAsUser, name)
		require.Len(t, pod.Containers, 1, name)
		c := pod.Containers[0]
		require.True(t, *c.SecurityContext.ReadOnlyRootFilesystem, name)
		require.False(t, *c.SecurityContext.AllowPrivilegeEscalation, name)
		require.Equal(t, []corev1.Capability{"ALL"}, c.SecurityContext.Capabilities.Drop, name)
		require.Equal(t, "/livez", c.LivenessProbe.HTTPGet.Path, name)
		require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path, name)
		require.Equal(t, "/run/secrets/shelf/database-url", env(c, "SHELF_DATABASE_URL_FILE"), "%s reads the URL from the Secret", name)
		require.Empty(t, env(c, "SHELF_DATABASE_URL"), name)
		require.True(t, mounts(c, "/data") && mounts(c, "/library") && mounts(c, "/tmp"), name)
	}
	require.Equal(t, "/run/secrets/shelf/api-token", env(r.deployments["shelf-api"].Spec.Template.Spec.Containers[0], "SHELF_API_TOKEN_FILE"))
	require.Equal(t, "s3cret", r.secrets["shelf-api-token"].StringData["api-token"])
	require.Equal(t, "postgres://shelf:pw@db.example:5432/shelf?sslmode=require", r.secrets["shelf-database"].StringData["database-url"])

	require.EqualValues(t, 2, *r.deployments["shelf-worker"].Spec.Replicas)
	watcher := r.deployments["shelf-watcher"]
	require.EqualValues(t, 1, *watcher.Spec.Replicas, "one watcher")
	require.Equal(t, appsv1.RecreateDeploymentStrategyType, watcher.Spec.Strategy.Type, "never two watchers at once")

	for _, claim := range []string{"shelf-data", "shelf-library"} {
		require.Equal(t, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, r.claims[claim].Spec.AccessModes,
			"%s is mounted by pods on any node", claim)
	}
	// On PostgreSQL only the api mounts the data volume; the others get what it holds through
	// the database and keep their copies in an emptyDir.
	require.Equal(t, "shelf-data", volume(r.deployments["shelf-api"], "data").PersistentVolumeClaim.ClaimName)
	for _, name := range []string{"shelf-worker", "shelf-watcher"} {
		data := volume(r.deployments[name], "data")
		require.Nil(t, data.PersistentVolumeClaim, "%s mounts no shared data folder", name)
		require.NotNil(t, data.EmptyDir, name)
		require.Equal(t, "shelf-library", volume(r.deployments[name], "library").PersistentVolumeClaim.ClaimName, name)
	}
	require.Empty(t, env(r.deployments["shelf-worker"].Spec.Template.Spec.Containers[0], "SHELF_KEYS_FILE"), "no keys unless given")
	require.Contains(t, r.services, "shelf-api")
	require.Empty(t, r.ingresses, "no Ingress unless asked")
	require.Empty(t, r.monitors)
	require.Empty(t, r.scaledObjs)
}

func TestChartScalesWorkersWithKEDAOnPendingTasksAndAddsIngressAndServiceMonitor(t *testing.T) {
	values := externalDB()
	values["worker"] = map[string]any{"autoscaling": map[string]any{"enabled": true, "maxReplicas": 8}}
	values["api"] = map[string]any{"ingress": map[string]any{"enabled": true, "host": "shelf.lan", "className": "nginx"}}
	values["serviceMonitor"] = map[string]any{"enabled": true}
	r, err := render(t, values)
	require.NoError(t, err)

	require.Nil(t, r.deployments["shelf-worker"].Spec.Replicas, "KEDA owns the replica count")
	so := r.scaledObjs["shelf-worker"]
	require.Equal(t, "shelf-worker", so.Spec.ScaleTargetRef.Name)
	require.Equal(t, 8, so.Spec.MaxReplicaCount)
	require.Len(t, so.Spec.Triggers, 1)
	require.Equal(t, "prometheus", so.Spec.Triggers[0].Type)
	require.Contains(t, so.Spec.Triggers[0].Metadata["query"], `shelf_tasks{status="pending"}`)

	ing := r.ingresses["shelf"]
	require.Equal(t, "shelf.lan", ing.Spec.Rules[0].Host)
	require.Equal(t, "shelf-api", ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name)

	sm := r.monitors["shelf"]
	require.Equal(t, "app.kubernetes.io/component", sm.Spec.JobLabel, "jobs are named api, worker, watcher as the alerts expect")
	for _, svc := range []string{"shelf-api", "shelf-worker", "shelf-watcher"} {
		require.Equal(t, "http", r.services[svc].Spec.Ports[0].Name, "%s exposes the port the ServiceMonitor scrapes", svc)
	}
}

func TestChartRefusesSQLiteOnPodsThatMaySpreadOverNodes(t *testing.T) {
	_, err := render(t, nil)
	require.ErrorContains(t, err, "needs PostgreSQL")

	r, err := render(t, map[string]any{"sqlite": map[string]any{"nodeName": "node-1"}})
	require.NoError(t, err)
	for name, d := range r.deployments {
		require.Equal(t, "node-1", d.Spec.Template.Spec.NodeSelector["kubernetes.io/hostname"], "%s is pinned to the SQLite node", name)
		require.Empty(t, env(d.Spec.Template.Spec.Containers[0], "SHELF_DATABASE_URL_FILE"), "%s uses /data/shelf.db", name)
	}
	require.Empty(t, r.secrets)
	for name, d := range r.deployments {
		require.Equal(t, "shelf-data", volume(d, "data").PersistentVolumeClaim.ClaimName, "%s shares the SQLite data folder", name)
	}
}

func TestChartMountsTheConsoleKeysSecretReadOnlyIntoTheWorkersOnly(t *testing.T) {
	values := externalDB()
	values["keys"] = map[string]any{"existingSecret": "shelf-keys"}
	r, err := render(t, values)
	require.NoError(t, err)
	worker := r.deployments["shelf-worker"]
	c := worker.Spec.Template.Spec.Containers[0]
	require.Equal(t, "/run/secrets/shelf/keys/prod.keys", env(c, "SHELF_KEYS_FILE"))
	keysVolume := volume(worker, "keys")
	require.Equal(t, "shelf-keys", keysVolume.Secret.SecretName)
	require.EqualValues(t, 0o400, *keysVolume.Secret.DefaultMode, "owner-read only")
	require.Equal(t, "prod.keys", keysVolume.Secret.Items[0].Path)
	for _, m := range c.VolumeMounts {
		if m.Name == "keys" {
			require.True(t, m.ReadOnly)
			require.Empty(t, m.SubPath, "a folder mount, so a rotated Secret reaches the pod")
		}
	}
	for _, name := range []string{"shelf-api", "shelf-watcher"} {
		require.Nil(t, volume(r.deployments[name], "keys"), "%s gets no keys", name)
	}
	require.NotContains(t, r.secrets, "shelf-keys", "the chart never holds the keys itself")
}

func TestChartBundlesPostgreSQLBehindAFlag(t *testing.T) {
	_, err := render(t, map[string]any{"postgresql": map[string]any{"enabled": true}})
	require.ErrorContains(t, err, "postgresql.password")

	r, err := render(t, map[string]any{"postgresql": map[string]any{"enabled": true, "password": "0123abcd"}})
	require.NoError(t, err)
	pg := r.statefulSets["shelf-postgresql"]
	require.EqualValues(t, 1, *pg.Spec.Replicas)
	require.True(t, *pg.Spec.Template.Spec.SecurityContext.RunAsNonRoot)
	require.Len(t, pg.Spec.VolumeClaimTemplates, 1)
	require.Contains(t, r.services, "shelf-postgresql")
	require.Equal(t, "postgres://shelf:0123abcd@shelf-postgresql:5432/shelf?sslmode=disable", r.secrets["shelf-database"].StringData["database-url"])

	_, err = render(t, map[string]any{"postgresql": map[string]any{"enabled": true, "password": "x"},
		"database": map[string]any{"url": "postgres://a@b/c"}})
	require.ErrorContains(t, err, "not both")
}

func keys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func mounts(c corev1.Container, path string) bool {
	return slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path })
}

// volume returns the pod volume called name of a Deployment (nil when there is none).
func volume(d appsv1.Deployment, name string) *corev1.Volume {
	for i, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return &d.Spec.Template.Spec.Volumes[i]
		}
	}
	return nil
}
