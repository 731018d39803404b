package cluster

import (
	"fmt"
	"path/filepath"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"encoding/json"

	"github.com/transship/transship/internal/cluster/standin/role"
)

// TestHelmStandinsKnowTheirJobs: the stand-in of a chart's Job finds its
// Job role by its pod's hostname after the install (revision 1) and after
// an upgrade (revision 2). images-lock's migrate Job and extends-include's
// airflow-init share their image with a Deployment; with the chart
// rendered without a revision (Jobs named -r0), the -r1 pod found no role,
// served as the Deployment and never completed (the clean-clone
// e2e-cluster failure that reverted the revision naming). No cluster:
// this is the harness's own lookup.
func TestHelmStandinsKnowTheirJobs(t *testing.T) {
	for ex, job := range map[string]string{"images-lock": "migrate", "extends-include": "airflow-init"} {
		ch, err := loader.Load(filepath.Join(repoRoot, "golden", ex, "helm"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, configs, _, err := helmStandins(ch, nil, "r", "helm-"+ex, filepath.Join(t.TempDir(), ex))
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for img, data := range configs {
			var all map[string]role.Workload
			if err := json.Unmarshal(data, &all); err != nil {
				t.Fatal(err)
			}
			for _, rev := range []string{"r1", "r2"} {
				host := "r-" + ex + "-" + job + "-" + rev + "-5wcdx"
				k := role.Match(all, host)
				if k == "" {
					continue
				}
				found++
				if !all[k].OneShot {
					t.Errorf("%s: %s's pod %s takes role %s (%+v), not a Job's", ex, img, host, k, all[k])
				}
			}
		}
		if found != 2 {
			t.Errorf("%s: the %s Job's pods found a role %d times in 2 revisions (configs %s)", ex, job, found, fmt.Sprint(stringsOf(configs)))
		}
	}
}

func stringsOf(m map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
