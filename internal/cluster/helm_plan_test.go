package cluster

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// TestUpgradePlans checks, without a cluster, the upgrade TestHelmExamples
// runs on each example's golden chart: it gives one service a replica
// more; in a chart without Jobs it changes that service's Deployment
// alone (a template that read the revision, or a value leaking into
// another service, would roll more); in one with Jobs it replaces every
// Job with revision 2's; an autoscaled workload is known as such. The
// harness's own planning, which the cluster run then holds the release
// to.
func TestUpgradePlans(t *testing.T) {
	for _, ex := range examplesWithGolden(t) {
		t.Run(ex, func(t *testing.T) {
			release, ns := "r", "helm-"+ex
			ch, err := loader.Load(filepath.Join(repoRoot, "golden", ex, "helm"))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			user := dropped(ex, ch)
			_, _, configs, _, err := helmStandins(ch, user, release, ns, filepath.Join(dir, "standins"))
			if err != nil {
				t.Fatal(err)
			}
			services, _ := standinValues(ch, configs, ns)
			vals := map[string]any{"services": services}
			maps.Copy(vals, user)
			up, err := planUpgrade(ch, vals, release, ns, dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := up.showsSomething(ex); err != nil {
				t.Fatal(err)
			}
			if n := len(up.rev2.Kinds["HorizontalPodAutoscaler"]); len(up.rev2.Autoscaled) != n {
				t.Errorf("%d autoscalers, but %d workloads known to be autoscaled (%v)", n, len(up.rev2.Autoscaled), up.rev2.Autoscaled)
			}
			for key := range up.rev2.Autoscaled {
				kind, name, _ := strings.Cut(key, "/")
				if up.rev2.workload(kind, name) == nil {
					t.Errorf("an autoscaler scales %s, which the chart does not render", key)
				}
			}
			changed := slices.Sorted(maps.Keys(up.changed))
			t.Logf("target %q, changed %v, cpu %dm", up.target, changed, up.cpu())
			if len(up.rev1.Jobs) == 0 {
				want := []string{"Deployment/" + release + "-" + ch.Metadata.Name + "-" + up.target}
				if !slices.Equal(changed, want) {
					t.Errorf("the upgrade changes %v, want only %v", changed, want)
				}
				return
			}
			for _, j := range up.rev1.Jobs {
				if up.rev2.workload("Job", j) != nil {
					t.Errorf("job %s is in both revisions", j)
				}
			}
			for _, j := range up.rev2.Jobs {
				if !up.changed["Job/"+j] {
					t.Errorf("revision 2's job %s is not new", j)
				}
			}
		})
	}
}
