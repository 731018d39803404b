package golden

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/kubeapi"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/helm"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// TestHelmKeysKeepComposeBraces: "{{" in what becomes a map key (a label
// or annotation key, which no Kubernetes key can carry, so both targets
// leave it out with the same warning; a bind-mounted file's name, which
// becomes a ConfigMap key; a file in a bound directory; an environment
// variable's name) is text, as in values (TestHelmKeepsComposeBraces):
// the chart lints, Helm renders the manifests' objects, and the API
// server accepts both. On the old code the file's ConfigMap key reached
// the template raw ("function "x" not defined"), and was no valid key.
func TestHelmKeysKeepComposeBraces(t *testing.T) {
	srv := kubeapi.Require(t)
	dir := t.TempDir()
	compose := `name: keys
services:
  web:
    image: nginx:1.27
    labels:
      "{{ x }}": label
      "example.org/{{x}}": label
    annotations:
      "{{ x }}": annotation
    environment:
      "{{ X }}": v
    volumes:
      - "./{{ x }}.conf:/etc/{{ x }}.conf:ro"
      - ./dagdir:/d:ro
`
	g, chart, manifests := treeChart(t, dir, map[string]string{"compose.yaml": compose, "{{ x }}.conf": "conf {{ x }}\n", "dagdir/{{ y }}": "y\n", "dagdir/sub/{{ z }}/f": "f\n"})
	// The manifests themselves: a key the API server accepts.
	names := slices.DeleteFunc(slices.Sorted(maps.Keys(manifests)), func(f string) bool { return f == kubernetes.Kustomization })
	if err := srv.EnsureNamespace(testNamespace); err != nil {
		t.Fatal(err)
	}
	for i, err := range srv.DryRunAll(testNamespace, docsOf(manifests, names)) {
		if err != nil {
			t.Errorf("manifest %s: %v", names[i], err)
		}
	}
	checkChart(t, srv, "keys", chart, manifests)
	rendered, err := renderChart(chart)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(func() []string {
		var l []string
		for _, f := range slices.Sorted(maps.Keys(rendered)) {
			l = append(l, string(rendered[f]))
		}
		return l
	}(), "")
	for _, want := range []string{`- name: "{{ X }}"`, `mountPath: "/etc/{{ x }}.conf"`, `"conf {{ x }}\n"`, `path: "{{ y }}"`, `path: "sub/{{ z }}/f"`} {
		if !strings.Contains(all, want) {
			t.Errorf("helm template lacks %s:\n%s", want, all)
		}
	}
	checkDirBytes(t, rendered, map[string]string{"{{ y }}": "y\n", "sub/{{ z }}/f": "f\n"})
	// The keys no Kubernetes key can carry: warned, the same by both.
	o := kubeOptions(g, site.Kubernetes{})
	_, hds := helm.Emit(g, helm.Options{Kubernetes: o})
	_, kds := kubernetes.Emit(g, o)
	for _, ds := range [][]string{messages(hds), messages(kds)} {
		for _, want := range []string{`label "{{ x }}"`, `label "example.org/{{x}}"`, "annotations"} {
			if !slices.ContainsFunc(ds, func(m string) bool { return strings.Contains(m, want) }) {
				t.Errorf("no warning about %s in %q", want, ds)
			}
		}
	}
}

func docsOf(files map[string][]byte, names []string) [][]byte {
	docs := make([][]byte, len(names))
	for i, f := range names {
		docs[i] = files[f]
	}
	return docs
}

func messages(ds diag.Diagnostics) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Format("")
	}
	return out
}

// treeChart writes a project's files into dir and converts it for the
// generic site: its graph, its chart, and the manifests.
func treeChart(t *testing.T, dir string, files map[string]string) (*translate.Graph, string, map[string][]byte) {
	t.Helper()
	writeTree(t, dir, files)
	g, ds := translate.Load(context.Background(), translate.Options{Files: []string{filepath.Join(dir, "compose.yaml")}})
	if g == nil || ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	chart, manifests, err := corpusChart(t, g, "generic")
	if err != nil {
		t.Fatal(err)
	}
	return g, chart, manifests
}
