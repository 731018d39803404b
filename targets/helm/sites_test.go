package helm

import (
	"strings"
	"testing"

	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/kubernetes"
)

// siteFiles is the chart of compose converted for the site from, with
// the values files of the built-in sites.
func siteFiles(t *testing.T, compose, from string) map[string]string {
	t.Helper()
	prof, ds := site.Load(from, nil)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	files, ds := Emit(load(t, compose), Options{Kubernetes: kubernetes.Options{Site: prof.Kubernetes}, Sites: BuiltinSites(nil)})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	out := map[string]string{}
	for _, f := range files {
		out[f.Path] = string(f.Data)
	}
	return out
}

// The built-in sites with a Kubernetes block of their own, generic first
// (egi-dirac and egi-htcondor have generic's).
func TestBuiltinSites(t *testing.T) {
	var names []string
	for _, s := range BuiltinSites(nil) {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "generic egi-im egi-rancher" {
		t.Errorf("BuiltinSites: %s", got)
	}
}

// What another site decides in the plan's structure is no value: the
// values file says so. A replicated service owning a volume is a
// StatefulSet (a claim per replica) without shared storage, a Deployment
// on one shared claim with it.
func TestSiteFileListsStructure(t *testing.T) {
	files := siteFiles(t, `services:
  db: {image: postgres:16, deploy: {replicas: 2}, volumes: [data:/var/lib/postgresql/data]}
volumes: {data: {}}
`, "generic")
	im := files["values-egi-im.yaml"]
	if !strings.Contains(im, "# No value changes what egi-im also decides differently") || !strings.Contains(im, "service db is a Deployment there, a StatefulSet here") {
		t.Errorf("values-egi-im.yaml does not list the other workload kind:\n%s", im)
	}
	if g := files["values-generic.yaml"]; strings.Contains(g, "No value changes") || !strings.Contains(g, "{}") {
		t.Errorf("values-generic.yaml of a generic chart should change nothing:\n%s", g)
	}
}

// A map value another site lacks a key of is deleted with null, as Helm
// does for a key of the defaults; a plain default is replaced.
func TestSiteFileDeletesMapKeys(t *testing.T) {
	g := siteFiles(t, project, "egi-rancher")["values-generic.yaml"]
	for _, want := range []string{"  ingressAnnotations:\n    kubernetes.io/ingress.class: null\n", `  ingressClass: ""`, "  runAsNonRoot: false"} {
		if !strings.Contains(g, want) {
			t.Errorf("values-generic.yaml of an egi-rancher chart lacks %q:\n%s", want, g)
		}
	}
}
