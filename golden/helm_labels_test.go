package golden

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"sigs.k8s.io/yaml"
)

// TestHelmClaimTemplatesManagedByHelm: a StatefulSet's claim templates
// say managed-by Helm, as every other object of the chart (they said
// transship, the manifests' value).
func TestHelmClaimTemplatesManagedByHelm(t *testing.T) {
	objs, _, err := renderWith(t, goldenChart(t, "web-db-cache/helm"), "{}")
	if err != nil {
		t.Fatal(err)
	}
	sts := objs["db-statefulset.yaml"]
	l, _ := at(sts, "spec", "volumeClaimTemplates").([]any)
	if len(l) == 0 {
		t.Fatal("db's StatefulSet has no claim templates")
	}
	for _, c := range l {
		if got := at(c, "metadata", "labels", "app.kubernetes.io/managed-by"); got != "Helm" {
			t.Errorf("claim template %v: managed-by %v, want Helm", at(c, "metadata", "name"), got)
		}
	}
	if got := at(sts, "metadata", "labels", "app.kubernetes.io/managed-by"); got != "Helm" {
		t.Errorf("the StatefulSet itself: managed-by %v", got)
	}
}

// renderAt is the chart in dir rendered with vals as helm install (rev
// 1) or helm upgrade (rev > 1) renders revision rev: template name to text.
func renderAt(t *testing.T, dir string, rev int, vals map[string]any) map[string]string {
	t.Helper()
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := common.ReleaseOptions{Name: testRelease, Namespace: testNamespace, Revision: rev, IsInstall: rev == 1, IsUpgrade: rev > 1}
	rv, err := util.ToRenderValuesWithSchemaValidation(ch, vals, opts, common.DefaultCapabilities, false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// renderRevision is `helm template` as helm upgrade renders revision rev.
func renderRevision(t *testing.T, dir string, rev int) map[string]map[string]any {
	t.Helper()
	out := renderAt(t, dir, rev, nil)
	objs := map[string]map[string]any{}
	for name, text := range out {
		var m map[string]any
		if strings.HasSuffix(name, ".yaml") && yaml.Unmarshal([]byte(text), &m) == nil && m != nil {
			objs[filepath.Base(name)] = m
		}
	}
	return objs
}

// TestHelmJobsPerRevision: helm upgrade cannot change a Job's pod
// template, so each revision has its own Job (the upgrade failed with
// "field is immutable"), and the pods that wait for it name that one.
func TestHelmJobsPerRevision(t *testing.T) {
	dir := goldenChart(t, "batch-pipeline/helm")
	names := map[int]string{}
	for _, rev := range []int{1, 2} {
		objs := renderRevision(t, dir, rev)
		fetch := fmt.Sprint(at(objs["fetch-job.yaml"], "metadata", "name"))
		names[rev] = fetch
		if want := fmt.Sprintf("-fetch-r%d", rev); !strings.HasSuffix(fetch, want) {
			t.Errorf("revision %d: fetch's Job is %q, want a name ending in %s", rev, fetch, want)
		}
		inits, _ := at(objs["process-job.yaml"], "spec", "template", "spec", "initContainers").([]any)
		for _, c := range inits {
			args, _ := at(c, "args").([]any)
			if got := fmt.Sprint(args[len(args)-1]); got != "job/"+fetch {
				t.Errorf("revision %d: %v waits for %s, want job/%s", rev, at(c, "name"), got, fetch)
			}
		}
		if len(inits) == 0 {
			t.Errorf("revision %d: process waits for nothing", rev)
		}
	}
	if names[1] == names[2] {
		t.Errorf("both revisions have the Job %s: the upgrade would change its pod template", names[1])
	}
}

// TestHelmLongJobNamesFit: a Job whose name the Kubernetes target cut to
// the workload limit (52) still fits it with the revision suffix, at any
// revision, and the pod that waits for it names the same cut name (the
// chart once wrote the name with -r<rev> after it, 55 characters and more).
func TestHelmLongJobNamesFit(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("migrate-the-database-", 3) + "now" // 66 characters
	compose := fmt.Sprintf(`name: longjob
services:
  %s:
    image: alpine:3.20
    restart: "no"
  web:
    image: nginx:1.27
    depends_on:
      %s:
        condition: service_completed_successfully
`, long, long)
	_, chart, _ := treeChart(t, dir, map[string]string{"compose.yaml": compose})
	seen := map[string]bool{}
	for _, rev := range []int{1, 9, 10, 123456} {
		objs := renderRevision(t, chart, rev)
		var job string
		for _, o := range objs {
			if o["kind"] == "Job" {
				job = fmt.Sprint(at(o, "metadata", "name"))
			}
		}
		if len(job) > 52 || !strings.HasSuffix(job, fmt.Sprintf("-r%d", rev)) || strings.Contains(job, "--") {
			t.Errorf("revision %d: the Job is %q (%d characters), want at most 52 ending in -r%d", rev, job, len(job), rev)
		}
		if seen[job] {
			t.Errorf("revision %d: Job name %q repeats an earlier revision's", rev, job)
		}
		seen[job] = true
		waits := 0
		inits, _ := at(objs["web-deployment.yaml"], "spec", "template", "spec", "initContainers").([]any)
		for _, c := range inits {
			args, _ := at(c, "args").([]any)
			for _, a := range args {
				if s := fmt.Sprint(a); strings.HasPrefix(s, "job/") {
					waits++
					if s != "job/"+job {
						t.Errorf("revision %d: web waits for %s, the Job is %s", rev, s, job)
					}
				}
			}
		}
		if waits == 0 {
			t.Errorf("revision %d: web does not wait for the Job (init containers %v)", rev, inits)
		}
	}
	// Disabled, the long-named Job is not waited for: the values and the
	// wait containers (wait-for-/succeeded- and at most 52 characters, so
	// never cut at 63) both use the cut name.
	var cut any // the values name the service by its workload's (cut) name
	for _, o := range renderRevision(t, chart, 1) {
		if o["kind"] == "Job" {
			cut = at(o, "metadata", "labels", "app.kubernetes.io/name")
		}
	}
	objs, _, err := renderWith(t, chart, fmt.Sprintf("services:\n  %v:\n    enabled: false\n", cut))
	if err != nil {
		t.Fatal(err)
	}
	if inits := at(objs["web-deployment.yaml"], "spec", "template", "spec", "initContainers"); inits != nil {
		t.Errorf("the Job disabled, web still waits: %v", inits)
	}
	if len(objs) == 0 || objs["web-deployment.yaml"] == nil {
		t.Errorf("web is not rendered (%d objects)", len(objs))
	}
}

// TestHelmLongJobNamesKeepTheirHash: two Jobs whose names differ only
// past the workload limit get the Kubernetes target's names, each ending
// in its 8-hex hash; with -r<revision> the chart cuts the head before
// that hash, not the hash, so the two stay apart at any revision (the
// old cut, at the tail, left 5 of the 8 hex digits at revision 1 and
// none at 123456, where both Jobs had one name).
func TestHelmLongJobNamesKeepTheirHash(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("migrate-the-database-", 3) // 63 characters
	compose := fmt.Sprintf(`name: hashjobs
services:
  %[1]sfirst:
    image: alpine:3.20
    restart: "no"
  %[1]ssecond:
    image: alpine:3.20
    restart: "no"
  web:
    image: nginx:1.27
    depends_on:
      %[1]sfirst:
        condition: service_completed_successfully
      %[1]ssecond:
        condition: service_completed_successfully
`, long)
	_, chart, manifests := treeChart(t, dir, map[string]string{"compose.yaml": compose})
	var hashes []string // the manifests' Jobs' hashes
	for f := range manifests {
		if job, ok := strings.CutSuffix(f, "-job.yaml"); ok {
			if len(job) != 52 || job[43] != '-' {
				t.Fatalf("the Kubernetes target names a Job %s, want 52 characters ending in -<8 hex>", job)
			}
			hashes = append(hashes, job[43:])
		}
	}
	if len(hashes) != 2 || hashes[0] == hashes[1] {
		t.Fatalf("the Kubernetes target's Jobs end in %q, want two different hashes", hashes)
	}
	for _, rev := range []int{1, 123456} {
		objs := renderRevision(t, chart, rev)
		var jobs []string
		for _, o := range objs {
			if o["kind"] == "Job" {
				jobs = append(jobs, fmt.Sprint(at(o, "metadata", "name")))
			}
		}
		sort.Strings(jobs)
		if len(jobs) != 2 || jobs[0] == jobs[1] {
			t.Fatalf("revision %d: Jobs %q, want two different names", rev, jobs)
		}
		suffix := fmt.Sprintf("-r%d", rev)
		kept := 0
		for _, job := range jobs {
			if len(job) > 52 || !strings.HasSuffix(job, suffix) || strings.Contains(job, "--") {
				t.Errorf("revision %d: Job %q (%d characters), want at most 52 ending in %s", rev, job, len(job), suffix)
			}
			for _, h := range hashes {
				if strings.HasSuffix(strings.TrimSuffix(job, suffix), h) {
					kept++
				}
			}
		}
		if kept != 2 {
			t.Errorf("revision %d: Jobs %q do not each keep one of the hashes %q", rev, jobs, hashes)
		}
		// The waits (each names its Job twice) name the same Jobs.
		var waits []string
		inits, _ := at(objs["web-deployment.yaml"], "spec", "template", "spec", "initContainers").([]any)
		for _, c := range inits {
			args, _ := at(c, "args").([]any)
			for _, a := range args {
				if s, ok := strings.CutPrefix(fmt.Sprint(a), "job/"); ok {
					waits = append(waits, s)
				}
			}
		}
		sort.Strings(waits)
		if waits = slices.Compact(waits); !slices.Equal(waits, jobs) {
			t.Errorf("revision %d: web waits for %q, the Jobs are %q", rev, waits, jobs)
		}
	}
}
