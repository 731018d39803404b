package golden

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/transship/transship/internal/kubeapi"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/helm"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// TestHelmSiteValues: one chart serves every site. Each example's chart,
// converted for each site (with the options the CLI gives, bound
// directories read), installed with the values file it ships for
// another (values-<site>.yaml), must render what `--to kubernetes --site
// <site>` writes, pass `helm lint --strict` with that file, and (from
// generic) be accepted by the API server. The sites are the built-in ones
// and the NFS site of examples/shared-volume, whose values file the test
// asks for as the CLI does for the built-ins.
func TestHelmSiteValues(t *testing.T) {
	root := repoRoot(t)
	var srv *kubeapi.Server
	if kubeapi.Available(kubeapi.BinDir()) || os.Getenv("CI") == "true" {
		srv = kubeapi.Require(t)
	}
	nfs, ds := site.Load(filepath.Join(root, "examples", "shared-volume", "site.hcl"), os.ReadFile)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	sites := append(helm.BuiltinSites(nil), helm.Site{Name: "nfs", Kubernetes: nfs.Kubernetes})
	if len(sites) != 4 {
		t.Fatalf("sites: %d, want generic, egi-im, egi-rancher and nfs", len(sites))
	}
	checked := 0
	for _, ex := range listExamples(t, root) {
		g, lds := translate.Load(context.Background(), translate.Options{Files: []string{filepath.Join(root, "examples", ex, "compose.yaml")}})
		if g == nil || lds.HasErrors() {
			t.Fatalf("%s: %v", ex, lds)
		}
		manifests := map[string]map[string][]byte{}
		for _, s := range sites {
			out, kds := kubernetes.Emit(g, kubeOptions(g, s.Kubernetes))
			if kds.HasErrors() {
				t.Fatalf("%s --site %s: %v", ex, s.Name, kds)
			}
			manifests[s.Name] = map[string][]byte{}
			for _, f := range out {
				manifests[s.Name][f.Path] = f.Data
			}
		}
		for _, from := range sites {
			dir := filepath.Join(t.TempDir(), kubernetes.DNSName(g.Name))
			out, hds := helm.Emit(g, helm.Options{Kubernetes: kubeOptions(g, from.Kubernetes), Sites: sites})
			if hds.HasErrors() {
				t.Fatalf("%s --site %s: %v", ex, from.Name, hds)
			}
			tree := map[string]string{}
			for _, f := range out {
				tree[f.Path] = string(f.Data)
			}
			writeTree(t, dir, tree)
			for _, to := range sites {
				label := ex + " converted for " + from.Name + " -f values-" + to.Name + ".yaml"
				text, ok := tree["values-"+to.Name+".yaml"]
				if !ok {
					t.Errorf("%s: no values file", label)
					continue
				}
				if strings.Contains(text, "# No value changes") {
					t.Errorf("%s: the plan differs beyond the values:\n%s", label, text)
					continue
				}
				var user map[string]any
				if err := yaml.Unmarshal([]byte(text), &user); err != nil {
					t.Errorf("%s: %v", label, err)
					continue
				}
				check := srv
				if from.Name != "generic" {
					check = nil // the API server sees each site's objects once
				}
				if checkChartWith(t, check, label, dir, user, manifests[to.Name]) {
					checked++
				}
			}
		}
	}
	t.Logf("%d chart renderings, each with another site's values file, matched that site's manifests", checked)
}
