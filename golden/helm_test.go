package golden

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/corpus"
	"github.com/transship/transship/internal/kubeapi"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/helm"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// The Helm charts are checked by Helm itself (helm.sh/helm/v4, a test
// dependency only): `helm lint --strict`, then `helm template` with the
// default values, whose objects must be the Kubernetes target's for the
// same site apart from what the release carries (names, namespace,
// Helm's labels, the keep annotation of claims), and must be accepted by
// the real API server.

const (
	testRelease   = "rel"
	testNamespace = "helm-release"
)

// lintChart is `helm lint --strict DIR [-f VALUES]`.
func lintChart(dir string, user map[string]any) []error {
	l := action.NewLint()
	l.Strict, l.Namespace = true, testNamespace
	return l.Run([]string{dir}, user).Errors
}

// renderChart is `helm template rel DIR -n helm-release`: every
// rendered manifest by template file name (templates/X.yaml -> X.yaml).
func renderChart(dir string) (map[string][]byte, error) { return renderChartWith(dir, nil) }

// renderChartWith is renderChart with `-f VALUES` (user, nil for none).
func renderChartWith(dir string, user map[string]any) (map[string][]byte, error) {
	ch, err := loader.Load(dir)
	if err != nil {
		return nil, err
	}
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, user, common.ReleaseOptions{Name: testRelease, Namespace: testNamespace, Revision: 1, IsInstall: true}, common.DefaultCapabilities, false)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		return nil, err
	}
	docs := map[string][]byte{}
	for name, text := range out {
		base := filepath.Base(name)
		if !strings.HasSuffix(base, ".yaml") || strings.TrimSpace(text) == "" {
			continue
		}
		docs[base] = []byte(text)
	}
	return docs, nil
}

// releaseNames maps the names the chart gives objects back to the
// Kubernetes target's: <release>-<chart>-<object>, cut to 52 or 63.
func releaseNames(chart string, objects []string) map[string]string {
	full := testRelease + "-" + chart
	if strings.Contains(testRelease, chart) {
		full = testRelease
	}
	full = strings.TrimSuffix(full[:min(len(full), 63)], "-")
	out := map[string]string{}
	for _, o := range objects {
		// A Job's name carries the revision: 1 in helm template.
		for _, named := range []string{o, o + "-r1"} {
			for _, limit := range []int{52, 63} {
				room := limit - len(named) - 1
				if room < 8 {
					out[named] = o
					continue
				}
				out[strings.TrimSuffix(full[:min(room, len(full))], "-")+"-"+named] = o
			}
		}
	}
	return out
}

// fromRelease undoes what the release adds to an object, in place.
func fromRelease(v any, names map[string]string) any {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "app.kubernetes.io/instance")
		delete(t, "helm.sh/chart")
		delete(t, "app.kubernetes.io/managed-by")
		delete(t, "helm.sh/resource-policy")
		delete(t, "namespace")
		for k, e := range t {
			t[k] = fromRelease(e, names)
			if m, ok := t[k].(map[string]any); ok && len(m) == 0 && k == "annotations" {
				delete(t, k)
			}
		}
	case []any:
		for i, e := range t {
			t[i] = fromRelease(e, names)
		}
	case string:
		if n, ok := names[t]; ok {
			return n
		}
		if j, ok := strings.CutPrefix(t, "job/"); ok && names[j] != "" {
			return "job/" + names[j]
		}
	}
	return v
}

// compareWithManifests checks a rendered chart against the Kubernetes
// target's files of the same conversion; it returns the differences.
func compareWithManifests(chart string, rendered map[string][]byte, manifests map[string][]byte) []string {
	var objects []string
	want := map[string]any{}
	for f, data := range manifests {
		if f == kubernetes.Kustomization || namespaceLine.Match(data) {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return []string{fmt.Sprintf("%s: %v", f, err)}
		}
		md, _ := m["metadata"].(map[string]any)
		objects = append(objects, fmt.Sprint(md["name"]))
		want[f] = fromRelease(m, nil)
	}
	names := releaseNames(chart, objects)
	got := map[string]any{}
	for f, data := range rendered {
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return []string{fmt.Sprintf("rendered %s: %v\n%s", f, err, data)}
		}
		got[f] = fromRelease(m, names)
	}
	var diffs []string
	for _, f := range sortedUnion(want, got) {
		if !reflect.DeepEqual(want[f], got[f]) {
			w, _ := yaml.Marshal(want[f])
			g, _ := yaml.Marshal(got[f])
			diffs = append(diffs, fmt.Sprintf("%s differs from the manifest:\n%s", f, lineDiff(string(w), string(g))))
		}
	}
	return diffs
}

// copyValues: Helm's lint deletes the null keys of the values it is
// given, which render needs to see too (helm lint -f and helm template
// -f each read the file).
func copyValues(t *testing.T, v map[string]any) map[string]any {
	if v == nil {
		return nil
	}
	data, err := yaml.Marshal(v)
	var out map[string]any
	if err == nil {
		err = yaml.Unmarshal(data, &out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// refKinds are the keys that name another object, and its kind.
var refKinds = map[string]string{"claimName": "PersistentVolumeClaim", "secretName": "Secret", "serviceAccountName": "ServiceAccount"}

// danglingRefs finds references in the rendered chart that still use the
// manifests' name of an object the chart renamed: comparing through
// releaseNames cannot see those (both sides map to the same name), the
// cluster does (secret "db-env" not found).
func danglingRefs(rendered, manifests map[string][]byte) []string {
	objects := func(docs map[string][]byte) map[string]bool {
		out := map[string]bool{}
		for _, d := range docs {
			var h struct {
				Kind     string
				Metadata struct{ Name string }
			}
			if yaml.Unmarshal(d, &h) == nil {
				out[h.Kind+"/"+h.Metadata.Name] = true
			}
		}
		return out
	}
	before, after := objects(manifests), objects(rendered)
	var out []string
	var walk func(f string, v any, key string)
	walk = func(f string, v any, key string) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				kind := refKinds[k]
				if k == "name" && (key == "secretKeyRef" || key == "secretRef") {
					kind = "Secret"
				}
				if k == "name" && (key == "configMap" || key == "configMapKeyRef" || key == "configMapRef") {
					kind = "ConfigMap"
				}
				if n, ok := e.(string); ok && kind != "" && before[kind+"/"+n] && !after[kind+"/"+n] {
					out = append(out, fmt.Sprintf("%s: %s %s refers to %s by its name in the manifests, which the chart renamed", f, key, k, n))
				}
				walk(f, e, k)
			}
		case []any:
			for _, e := range t {
				walk(f, e, key)
			}
		}
	}
	for _, f := range slices.Sorted(maps.Keys(rendered)) {
		var m map[string]any
		if yaml.Unmarshal(rendered[f], &m) == nil {
			walk(f, m, "")
		}
	}
	sort.Strings(out)
	return out
}

func sortedUnion(a, b map[string]any) []string {
	return slices.Compact(slices.Sorted(maps.Keys(maps.Collect(func(yield func(string, any) bool) {
		for k := range a {
			yield(k, nil)
		}
		for k := range b {
			yield(k, nil)
		}
	}))))
}

// checkChart lints and renders the chart in dir, compares it with the
// manifests, and, with a server, dry-runs what it renders.
func checkChart(t *testing.T, srv *kubeapi.Server, label, dir string, manifests map[string][]byte) bool {
	t.Helper()
	return checkChartWith(t, srv, label, dir, nil, manifests)
}

// checkChartWith is checkChart with values given to lint and render.
func checkChartWith(t *testing.T, srv *kubeapi.Server, label, dir string, user map[string]any, manifests map[string][]byte) bool {
	t.Helper()
	ok := true
	for _, err := range lintChart(dir, copyValues(t, user)) {
		t.Errorf("%s: helm lint --strict: %v", label, err)
		ok = false
	}
	rendered, err := renderChartWith(dir, user)
	if err != nil {
		t.Errorf("%s: helm template: %v", label, err)
		return false
	}
	chart := filepath.Base(dir)
	if data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml")); err == nil {
		var meta struct{ Name string }
		_ = yaml.Unmarshal(data, &meta)
		chart = meta.Name
	}
	for _, d := range append(compareWithManifests(chart, rendered, manifests), danglingRefs(rendered, manifests)...) {
		t.Errorf("%s: %s", label, d)
		ok = false
	}
	if srv == nil {
		return ok
	}
	if err := srv.EnsureNamespace(testNamespace); err != nil {
		t.Fatalf("namespace: %v", err)
	}
	files := slices.Sorted(maps.Keys(rendered))
	docs := make([][]byte, len(files))
	for i, f := range files {
		docs[i] = rendered[f]
	}
	for i, err := range srv.DryRunAll(testNamespace, docs) {
		if err != nil {
			t.Errorf("%s: %s rendered by helm: %v", label, files[i], err)
			ok = false
		}
	}
	return ok
}

// TestHelmGoldens checks every golden chart (TestExamples keeps them
// fresh) against the Kubernetes golden of the same example and site.
func TestHelmGoldens(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(repoRoot(t), "golden", "*", "helm*"))
	var srv *kubeapi.Server
	if kubeapi.Available(kubeapi.BinDir()) || os.Getenv("CI") == "true" {
		srv = kubeapi.Require(t)
	} else {
		t.Logf("no kube-apiserver (make e2e-deps): the rendered charts are not dry-run")
	}
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		ex, variant := filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		manifests := map[string][]byte{}
		for f, data := range readTree(t, filepath.Join(filepath.Dir(dir), strings.Replace(variant, "helm", "kubernetes", 1))) {
			manifests[f] = []byte(data)
		}
		// helm lint wants the directory named as the chart.
		chartDir := filepath.Join(t.TempDir(), chartName(t, dir))
		writeTree(t, chartDir, readTree(t, dir))
		checkChart(t, srv, ex+"/"+variant, chartDir, manifests)
		n++
	}
	if n == 0 {
		t.Fatal("no Helm goldens found")
	}
}

func chartName(t *testing.T, dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct{ Name string }
	if err := yaml.Unmarshal(data, &meta); err != nil || meta.Name == "" {
		t.Fatalf("%s/Chart.yaml: no name (%v)", dir, err)
	}
	return meta.Name
}

// TestCorpusHelm makes a chart of every corpus input the loader accepts,
// on the sites the Kubernetes corpus test uses, and checks each as the
// goldens are: lint, render, the same objects as the manifests, the API
// server.
func TestCorpusHelm(t *testing.T) {
	var srv *kubeapi.Server
	if kubeapi.Available(kubeapi.BinDir()) || os.Getenv("CI") == "true" {
		srv = kubeapi.Require(t)
	}
	charts, good := 0, 0
	for _, files := range corpus.Inputs(t) {
		g, ds := translate.Load(context.Background(), translate.Options{Files: files, Profiles: []string{"*"}})
		if g == nil || ds.HasErrors() {
			continue // rejected by the loader: TestCorpus checks those
		}
		for _, name := range corpusSites {
			label := corpus.Name(files) + " @" + name
			dir, manifests, err := corpusChart(t, g, name)
			if err != nil {
				t.Errorf("%s: %v", label, err)
				continue
			}
			charts++
			if checkChart(t, srv, label, dir, manifests) {
				good++
			}
		}
	}
	fmt.Fprintf(os.Stderr, "helm corpus: %d of %d charts linted, rendered as the manifests and accepted (API server: %v)\n", good, charts, srv != nil)
}

// corpusChart writes the chart of g for a site into a directory named as
// the chart, and returns the Kubernetes target's manifests beside it.
func corpusChart(t *testing.T, g *translate.Graph, siteName string) (string, map[string][]byte, error) {
	prof, ds := site.Load(siteName, nil)
	if ds.HasErrors() {
		return "", nil, fmt.Errorf("site: %v", ds)
	}
	o := kubeOptions(g, prof.Kubernetes)
	files, hds := helm.Emit(g, helm.Options{Kubernetes: o})
	kfiles, kds := kubernetes.Emit(g, o)
	for _, d := range append(hds, kds...) {
		if d.Severity == diag.Error {
			return "", nil, fmt.Errorf("%s", d.Format(""))
		}
	}
	if len(hds) != len(kds) {
		return "", nil, fmt.Errorf("the chart has %d diagnostics, the manifests %d", len(hds), len(kds))
	}
	dir := filepath.Join(t.TempDir(), kubernetes.DNSName(g.Name))
	tree := map[string]string{}
	for _, f := range files {
		tree[f.Path] = string(f.Data)
	}
	writeTree(t, dir, tree)
	manifests := map[string][]byte{}
	for _, f := range kfiles {
		manifests[f.Path] = f.Data
	}
	return dir, manifests, nil
}

// TestHelmOptions: the chart follows the Kubernetes target's options, not
// only the default ones the goldens use.
func TestHelmOptions(t *testing.T) {
	root := repoRoot(t)
	var srv *kubeapi.Server
	if kubeapi.Available(kubeapi.BinDir()) || os.Getenv("CI") == "true" {
		srv = kubeapi.Require(t)
	}
	for _, args := range [][]string{
		{"--env-from-configmap"},
		{"--secrets", "external"},
		{"--expose", "*", "--tls", "--site", "egi-im", "--domain", "203.0.113.7.nip.io"},
		{"--network-policies=false", "--site", "egi-rancher"},
	} {
		for _, ex := range []string{"web-db-cache", "secrets-configs", "kompose-labels"} {
			label := ex + " " + strings.Join(args, " ")
			out := map[string]string{}
			for _, target := range []string{"kubernetes", "helm"} {
				out[target] = filepath.Join(t.TempDir(), target)
				if target == "helm" {
					out[target] = filepath.Join(out[target], ex)
				}
				cmd := append([]string{"convert", "--to", target, "-f", "examples/" + ex + "/compose.yaml", "-o", out[target]}, args...)
				if _, stderr, code := run(t, root, cmd...); code != 0 {
					t.Fatalf("%s --to %s: exit %d\n%s", label, target, code, stderr)
				}
			}
			manifests := map[string][]byte{}
			for f, data := range readTree(t, out["kubernetes"]) {
				manifests[f] = []byte(data)
			}
			checkChart(t, srv, label, out["helm"], manifests)
		}
	}
}
