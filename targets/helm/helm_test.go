package helm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// Helm itself checks the charts in golden/helm_test.go (lint, template,
// the objects of the manifests, the API server); these are the chart's
// own rules.

// load reads a compose file written into a temporary project p.
func load(t *testing.T, compose string) *translate.Graph {
	t.Helper()
	file := filepath.Join(t.TempDir(), "compose.yaml")
	err := os.WriteFile(file, []byte(compose), 0o644)
	g, ds := translate.Load(context.Background(), translate.Options{Files: []string{file}, ProjectName: "p"})
	if err != nil || ds.HasErrors() {
		t.Fatalf("load: %v %v", err, ds)
	}
	return g
}

const project = `services:
  web:
    image: registry.example.org:5000/team/web:2.1@sha256:abc
    ports: ["8080:80"]
    x-transship: {expose: {host: web.example.org, tls: true}}
    depends_on: [migrate]
  migrate: {image: registry.example.org:5000/team/migrate:2.1, restart: "no"}
  db: {image: postgres:16, volumes: [data:/var/lib/postgresql/data]}
volumes: {data: {}}
`

func emit(t *testing.T, compose string) map[string]string {
	t.Helper()
	prof, _ := site.Load("egi-im", nil)
	files, ds := Emit(load(t, compose), Options{Kubernetes: kubernetes.Options{Site: prof.Kubernetes}})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	out := map[string]string{}
	for _, f := range files {
		out[f.Path] = string(f.Data)
	}
	return out
}

// The chart is the same bytes on every run.
func TestDeterministic(t *testing.T) {
	g := load(t, project)
	a, _ := Emit(g, Options{})
	for range 5 {
		b, _ := Emit(g, Options{})
		if len(a) != len(b) {
			t.Fatalf("%d files, then %d", len(a), len(b))
		}
		for i := range a {
			if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
				t.Fatalf("%s differs between two runs", a[i].Path)
			}
		}
	}
}

func TestSplitImage(t *testing.T) {
	for in, want := range map[string][3]string{
		"postgres":                              {"postgres", "", ""},
		"postgres:16":                           {"postgres", "16", ""},
		"registry:5000/team/web":                {"registry:5000/team/web", "", ""},
		"registry:5000/team/web:2.1@sha256:abc": {"registry:5000/team/web", "2.1", "sha256:abc"},
		"web@sha256:abc":                        {"web", "", "sha256:abc"},
	} {
		r, tag, d := splitImage(in)
		if [3]string{r, tag, d} != want {
			t.Errorf("splitImage(%q) = %q %q %q, want %q", in, r, tag, d, want)
		}
	}
}

// What references a renamed object goes through the same name helper:
// the Job a pod waits for, the waiter's ServiceAccount and Role, the
// claim; Services keep the names peers resolve.
func TestReferencesCarryTheRelease(t *testing.T) {
	files := emit(t, project)
	web := files["templates/web-deployment.yaml"]
	for _, want := range []string{
		`job/{{ include "p.name" (list $ (printf "%s-r%d" "migrate" $.Release.Revision) 52) }}`,
		`serviceAccountName: {{ include "p.name" (list $ "p-wait" 63) }}`,
		`image: {{ include "p.image" $v.image | quote }}`,
	} {
		if !strings.Contains(web, want) {
			t.Errorf("web's Deployment lacks %s:\n%s", want, web)
		}
	}
	if rb := files["templates/p-wait-rolebinding.yaml"]; !strings.Contains(rb, `name: {{ include "p.name" (list $ "p-wait" 63) }}`) || !strings.Contains(rb, "namespace: {{ $.Release.Namespace | quote }}") {
		t.Errorf("the RoleBinding names its Role and subject without the release:\n%s", rb)
	}
	if svc := files["templates/web-service.yaml"]; !strings.Contains(svc, "\n  name: web\n") {
		t.Errorf("web's Service must keep its compose name:\n%s", svc)
	}
	if db := files["templates/db-deployment.yaml"]; !strings.Contains(db, `claimName: {{ (index $.Values.persistence "data").existingClaim | default (include "p.name" (list $ "data" 63)) }}`) {
		t.Errorf("db's claim is not replaceable by an existing one:\n%s", db)
	}
}

// Chart.yaml's appVersion is the images' tag where they agree; the
// values split each image into repository, tag and digest.
func TestChartAndImageValues(t *testing.T) {
	files := emit(t, strings.Replace(project, "postgres:16", "postgres:2.1", 1))
	if !strings.Contains(files["Chart.yaml"], `appVersion: "2.1"`) || !strings.Contains(files["Chart.yaml"], "version: 0.1.0") {
		t.Errorf("Chart.yaml:\n%s", files["Chart.yaml"])
	}
	if strings.Contains(emit(t, project)["Chart.yaml"], "appVersion") {
		t.Error("appVersion set although the images' tags differ")
	}
	vals := files["values.yaml"]
	for _, want := range []string{`repository: "registry.example.org:5000/team/web"`, `tag: "2.1"`, `digest: "sha256:abc"`, `hosts:` + "\n" + `        - web.example.org`} {
		if !strings.Contains(vals, want) {
			t.Errorf("values.yaml lacks %s:\n%s", want, vals)
		}
	}
	for _, key := range []string{`"existingClaim"`, `"nodePort"`, `"tlsIssuer"`, `"additionalProperties": false`} {
		if !strings.Contains(files["values.schema.json"], key) {
			t.Errorf("values.schema.json lacks %s", key)
		}
	}
	if !strings.Contains(files["README.md"], "| `services.web.image.tag` | string | `\"2.1\"` |") {
		t.Errorf("README.md's table lacks the web image tag:\n%s", files["README.md"])
	}
}

// Before, externalTrafficPolicy stayed in a Service whose type is a
// value, so values making it ClusterIP (values-egi-rancher.yaml) gave a
// Service the API server refuses.
func TestTrafficPolicyFollowsTypeValue(t *testing.T) {
	files := emit(t, `services:
  web:
    image: nginx
    ports: ["8080:80"]
    labels: {kompose.service.external-traffic-policy: local}
  api:
    image: nginx
    ports: ["8081:80"]
    labels: {kompose.service.type: nodeport, kompose.service.external-traffic-policy: local}
`)
	for f, cond := range map[string]string{
		"templates/web-published-service.yaml": `{{- if ne $v.published.type "ClusterIP" }}`,
		"templates/api-service.yaml":           `{{- if ne $v.service.type "ClusterIP" }}`,
	} {
		svc := files[f]
		lines := strings.Split(svc, "\n")
		i := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "externalTrafficPolicy: Local" })
		if i < 1 || i+1 >= len(lines) || strings.TrimSpace(lines[i-1]) != cond || strings.TrimSpace(lines[i+1]) != "{{- end }}" {
			t.Errorf("%s: externalTrafficPolicy is not under %s:\n%s", f, cond, svc)
		}
	}
}
