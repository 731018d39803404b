package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
)

// jobCharts are the examples whose upgrade TestHelmExamples checks for
// Jobs: every image changes, so every Job's pod template would, which a
// Job refuses ("field is immutable"); the chart names each revision's
// Jobs apart (-r<revision>), so Helm creates revision 2's and deletes
// revision 1's, and the pods that wait for them wait for the new ones.
var jobCharts = map[string]bool{"batch-pipeline": true, "healthcheck-chain": true, "images-lock": true, "extends-include": true}

// upgradeJobs upgrades the release with every stand-in image's -v2 tag
// and waits until everything is ready again, revision 2's Jobs complete.
func (s *suite) upgradeJobs(ctx context.Context, cfg *action.Configuration, ch *chartv2.Chart, release, ns string, vals map[string]any) (time.Duration, error) {
	start := time.Now()
	next := map[string]any{}
	services, _ := vals["services"].(map[string]any)
	for svc, v := range services {
		img, _ := v.(map[string]any)["image"].(map[string]any)
		next[svc] = map[string]any{"image": map[string]any{"repository": img["repository"], "tag": fmt.Sprint(img["tag"]) + "-v2"}}
	}
	up := action.NewUpgrade(cfg)
	up.Namespace, up.WaitStrategy, up.Timeout = ns, kube.HookOnlyStrategy, 5*time.Minute
	if _, err := up.RunWithContext(ctx, release, ch, map[string]any{"services": next}); err != nil {
		return 0, err
	}
	if _, err := s.waitReady(ctx, ns, start, ""); err != nil {
		return 0, err
	}
	out, err := s.c.Kubectl(ctx, nil, "get", "jobs", "-n", ns, "-o", "name")
	if err != nil {
		return 0, err
	}
	jobs := strings.Fields(string(out))
	for _, j := range jobs {
		if !strings.HasSuffix(j, "-r2") {
			return 0, fmt.Errorf("after the upgrade, %s is not revision 2's (jobs: %v)", j, jobs)
		}
	}
	if len(jobs) == 0 {
		return 0, fmt.Errorf("no Job after the upgrade")
	}
	return time.Since(start), nil
}
