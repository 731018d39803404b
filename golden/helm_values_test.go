package golden

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/transship/transship/internal/kubeapi"
)

// The values change what they say, and only that: a chart rendered with
// every kind of value changed passes helm lint --strict with them, is
// accepted by the API server, and shows each change; values of the wrong
// type or name are refused by the schema.

// goldenChart copies a golden chart into a directory named as the chart.
func goldenChart(t *testing.T, golden string) string {
	src := filepath.Join(repoRoot(t), "golden", golden)
	dir := filepath.Join(t.TempDir(), chartName(t, src))
	writeTree(t, dir, readTree(t, src))
	return dir
}

// renderWith is `helm template rel DIR -f VALUES`; nil when the values
// are refused, with the error.
func renderWith(t *testing.T, dir, values string) (map[string]map[string]any, map[string]string, error) {
	t.Helper()
	var vals map[string]any
	if err := yaml.Unmarshal([]byte(values), &vals); err != nil {
		t.Fatal(err)
	}
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := util.ToRenderValuesWithSchemaValidation(ch, vals, common.ReleaseOptions{Name: testRelease, Namespace: testNamespace, Revision: 1, IsInstall: true}, common.DefaultCapabilities, false)
	if err != nil {
		return nil, nil, err
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, nil, err
	}
	objs, texts := map[string]map[string]any{}, map[string]string{}
	for name, text := range out {
		base := filepath.Base(name)
		if strings.TrimSpace(text) == "" || !strings.HasSuffix(base, ".yaml") {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(text), &m); err != nil {
			t.Fatalf("%s: %v\n%s", base, err, text)
		}
		objs[base], texts[base] = m, text
	}
	return objs, texts, nil
}

// at reads a path of map keys and list indexes ("0") from an object.
func at(v any, path ...string) any {
	for _, k := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[k]
		case []any:
			i := int(k[0] - '0')
			if i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

const changedValues = `
site: {domain: 203.0.113.7.nip.io, tlsIssuer: letsencrypt-staging, ingressClass: traefik}
services:
  cache: {enabled: false}
  web:
    replicas: 3
    image: {tag: "1.23.1", digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", pullPolicy: Always}
    resources: {limits: {memory: 1Gi}}
    env: {USER_UID: "2000", EXTRA: "yes"}
    service: {type: NodePort, nodePort: 30080}
    ingress:
      hosts: []
      paths: ["/", "/api"]
      annotations: {example.org/team: git}
persistence:
  gitea-data: {existingClaim: old-gitea-data}
`

func TestHelmValuesChangeWhatTheySay(t *testing.T) {
	dir := goldenChart(t, "web-db-cache/helm")
	var vals map[string]any
	_ = yaml.Unmarshal([]byte(changedValues), &vals)
	l := action.NewLint()
	l.Strict, l.Namespace = true, testNamespace
	for _, err := range l.Run([]string{dir}, vals).Errors {
		t.Errorf("helm lint --strict with the changed values: %v", err)
	}
	objs, texts, err := renderWith(t, dir, changedValues)
	if err != nil {
		t.Fatal(err)
	}
	web := objs["web-deployment.yaml"]
	c := at(web, "spec", "template", "spec", "containers", "0")
	checks := []struct {
		what      string
		got, want any
	}{
		{"image", at(c, "image"), "gitea/gitea:1.23.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"pull policy", at(c, "imagePullPolicy"), "Always"},
		{"replicas", at(web, "spec", "replicas"), float64(3)},
		{"resources", at(c, "resources", "limits", "memory"), "1Gi"},
		{"requests merged in, as Helm merges maps", at(c, "resources", "requests", "memory"), "256Mi"},
		{"existing claim", at(web, "spec", "template", "spec", "volumes", "0", "persistentVolumeClaim", "claimName"), "old-gitea-data"},
		{"service type", at(objs["web-service.yaml"], "spec", "type"), "NodePort"},
		{"node port", at(objs["web-service.yaml"], "spec", "ports", "0", "nodePort"), float64(30080)},
		{"host from the site's domain", at(objs["web-ingress.yaml"], "spec", "rules", "0", "host"), "web.203.0.113.7.nip.io"},
		{"second path", at(objs["web-ingress.yaml"], "spec", "rules", "0", "http", "paths", "1", "path"), "/api"},
		{"class", at(objs["web-ingress.yaml"], "spec", "ingressClassName"), "traefik"},
		{"issuer", at(objs["web-ingress.yaml"], "metadata", "annotations", "cert-manager.io/cluster-issuer"), "letsencrypt-staging"},
		{"annotation", at(objs["web-ingress.yaml"], "metadata", "annotations", "example.org/team"), "git"},
		{"TLS host", at(objs["web-ingress.yaml"], "spec", "tls", "0", "hosts", "0"), "web.203.0.113.7.nip.io"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %#v, want %#v", ch.what, ch.got, ch.want)
		}
	}
	env := map[string][]string{}
	for _, e := range at(c, "env").([]any) {
		m := e.(map[string]any)
		env[fmt.Sprint(m["name"])] = append(env[fmt.Sprint(m["name"])], fmt.Sprint(m["value"]))
	}
	if strings.Join(env["USER_UID"], ",") != "2000" || strings.Join(env["EXTRA"], ",") != "yes" || len(env["GITEA__database__HOST"]) != 1 {
		t.Errorf("env: USER_UID=%v EXTRA=%v GITEA__database__HOST=%v, want the value's USER_UID once, EXTRA, and compose's own", env["USER_UID"], env["EXTRA"], env["GITEA__database__HOST"])
	}
	for _, gone := range []string{"cache-deployment.yaml", "cache-service.yaml", "gitea-data-persistentvolumeclaim.yaml"} {
		if _, ok := objs[gone]; ok {
			t.Errorf("%s is rendered although the values leave it out", gone)
		}
	}
	if kubeapi.Available(kubeapi.BinDir()) {
		srv := kubeapi.Require(t)
		if err := srv.EnsureNamespace(testNamespace); err != nil {
			t.Fatal(err)
		}
		for name, text := range texts {
			if err := srv.DryRun(testNamespace, []byte(text)); err != nil {
				t.Errorf("%s with the changed values: %v", name, err)
			}
		}
	}
}

func TestHelmSchemaRefusesBadValues(t *testing.T) {
	dir := goldenChart(t, "web-db-cache/helm")
	for _, bad := range []string{
		"services: {web: {replicas: three}}",
		"services: {web: {replicas: -1}}",
		"services: {web: {imag: {tag: x}}}",
		"services: {web: {service: {type: External}}}",
		"persistence: {gitea-data: {keep: maybe}}",
		"site: {tlsIssuerKind: Vault}",
	} {
		if _, _, err := renderWith(t, dir, bad); err == nil || !strings.Contains(err.Error(), "schema") {
			t.Errorf("values %s: got %v, want a schema error", bad, err)
		}
	}
}

// TestHelmJobReplicas: a Job's replicas value is its parallelism and
// completions (a CronJob's, its Jobs'), which the default (1) leaves out
// as the manifests do; 0 is written (deploy.replicas: 0 converts so), a
// negative count refused. (A Job's runs were no value at all: a chart of
// Jobs had no replica count to change.)
func TestHelmJobReplicas(t *testing.T) {
	dir := goldenChart(t, "batch-pipeline/helm")
	objs, _, err := renderWith(t, dir, "services: {process: {replicas: 3}}")
	if err != nil {
		t.Fatal(err)
	}
	job := objs["process-job.yaml"]
	for _, key := range []string{"parallelism", "completions"} {
		if got := at(job, "spec", key); got != float64(3) {
			t.Errorf("process with replicas 3: %s %#v, want 3", key, got)
		}
		if got := at(objs["fetch-job.yaml"], "spec", key); got != nil {
			t.Errorf("fetch with the default replicas: %s %#v, want none", key, got)
		}
	}
	if objs, _, err = renderWith(t, dir, "services: {process: {replicas: 0}}"); err != nil || at(objs["process-job.yaml"], "spec", "completions") != float64(0) {
		t.Errorf("replicas 0: completions %#v (%v), want 0", at(objs["process-job.yaml"], "spec", "completions"), err)
	}
	if _, _, err := renderWith(t, dir, "services: {process: {replicas: -1}}"); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("replicas -1: got %v, want a schema error", err)
	}
	objs, _, err = renderWith(t, goldenChart(t, "kompose-labels/helm"), "services: {backup: {replicas: 3}}")
	if err != nil {
		t.Fatal(err)
	}
	if got := at(objs["backup-cronjob.yaml"], "spec", "jobTemplate", "spec", "parallelism"); got != float64(3) {
		t.Errorf("backup (a CronJob) with replicas 3: its Jobs' parallelism %#v, want 3", got)
	}
}
