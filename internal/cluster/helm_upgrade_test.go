package cluster

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// The helm upgrade TestHelmExamples runs on every example, revision 2:
// one Deployment (the target; in a chart without one, a Job) gets a new
// image tag (-v2, the same stand-in) and one replica more, and every
// Job's service a new tag. The chart names each revision's Jobs apart
// (-r<revision>), so Helm creates revision 2's and deletes revision 1's
// (a Job's pod template cannot be changed in place), and the workloads
// whose pods wait for a Job roll with it. What must happen is read from the chart itself, rendered as
// revision 1 with the install's values and as revision 2 with the
// upgrade's: a workload whose pod template differs rolls (every pod new,
// on revision 2's images, as many as its replicas); one whose template is
// the same keeps its pods (CronJobs are left alone: their runs are their
// schedule's). A Job's replicas are its parallelism and completions.
type upgrade struct {
	values     map[string]any // the upgrade's values, with the user's
	target     string         // the service given one replica more
	rev1, rev2 *Manifests
	changed    map[string]bool // kind/name of the workloads revision 2 changes or adds
}

// planUpgrade renders both revisions into dir and decides the upgrade.
// vals are the install's values: the stand-in images of the services.
func planUpgrade(ch *chartv2.Chart, vals map[string]any, release, ns, dir string) (upgrade, error) {
	var up upgrade
	rev1, err := renderManifests(ch, vals, release, ns, filepath.Join(dir, "r1"), 1)
	if err != nil {
		return up, err
	}
	up.target, up.rev1 = scaleTarget(ch, rev1), rev1
	jobs, replicas := map[string]bool{}, 0
	for _, w := range rev1.Workloads {
		svc := w.Pod.Labels["app.kubernetes.io/name"]
		if w.Kind == "Job" {
			jobs[svc] = true
		}
		if svc == up.target {
			replicas = w.Replicas + 1
		}
	}
	installed, _ := vals["services"].(map[string]any)
	defaults, _ := ch.Values["services"].(map[string]any)
	next := map[string]any{}
	for svc := range defaults {
		v, ok := installed[svc].(map[string]any)
		if !ok && svc != up.target && !jobs[svc] {
			continue
		}
		if !ok { // busybox, which the harness tags as asked (busyboxImages)
			v, _ = defaults[svc].(map[string]any)
		}
		img, _ := v["image"].(map[string]any)
		tag, _ := img["tag"].(string)
		if svc == up.target || jobs[svc] {
			tag = strings.TrimPrefix(tag+"-v2", "-")
		}
		entry := map[string]any{"image": map[string]any{"repository": img["repository"], "tag": tag}}
		if svc == up.target {
			entry["replicas"] = replicas
		}
		next[svc] = entry
	}
	up.values = maps.Clone(vals)
	up.values["services"] = next
	if up.rev2, err = renderManifests(ch, up.values, release, ns, filepath.Join(dir, "r2"), 2); err != nil {
		return up, err
	}
	up.changed = map[string]bool{}
	for _, w := range up.rev2.Workloads {
		if old := rev1.workload(w.Kind, w.Name); old == nil || !equality.Semantic.DeepEqual(old.Pod, w.Pod) {
			up.changed[w.Kind+"/"+w.Name] = true
		}
	}
	return up, nil
}

// renderManifests renders revision rev with vals into dir and reads it.
func renderManifests(ch *chartv2.Chart, vals map[string]any, release, ns, dir string, rev int) (*Manifests, error) {
	if _, err := renderTo(ch, vals, release, ns, dir, rev); err != nil {
		return nil, err
	}
	return ReadManifests(dir)
}

// scaleTarget is the service the upgrade gives one replica more: a
// Deployment the chart gives a replicas value (not one an autoscaler
// scales), else a Job, asking no GPU; of those the one requesting least
// CPU (then the first by name), so that its pods and a rollout's surge
// pod fit on this 2-core node beside the rest.
func scaleTarget(ch *chartv2.Chart, m *Manifests) string {
	defaults, _ := ch.Values["services"].(map[string]any)
	best, bestRank := "", ""
	for _, w := range m.Workloads {
		svc := w.Pod.Labels["app.kubernetes.io/name"]
		d, _ := defaults[svc].(map[string]any)
		if _, scaled := d["replicas"]; w.Kind != "Deployment" && w.Kind != "Job" || !scaled || asksGPU(w) {
			continue
		}
		if rank := fmt.Sprintf("%t %012d %s", w.Kind != "Deployment", w.podCPU(), svc); best == "" || rank < bestRank {
			best, bestRank = svc, rank
		}
	}
	return best
}

func asksGPU(w Workload) bool {
	for _, c := range w.Pod.Spec.Containers {
		for name := range c.Resources.Limits {
			if strings.Contains(string(name), "gpu") {
				return true
			}
		}
	}
	return false
}

// cpu is what the release may request at once: as installed, or during
// the upgrade, when revision 1's Jobs have finished (a finished pod
// requests nothing) and each workload revision 2 changes runs beside its
// old pods (a rolling update's surge; all of them, as an upper bound).
func (up upgrade) cpu() int64 {
	var during int64
	for _, w := range up.rev1.Workloads {
		if !w.OneShot() {
			during += w.podCPU() * int64(w.Replicas)
		}
	}
	for _, w := range up.rev2.Workloads {
		if up.changed[w.Kind+"/"+w.Name] {
			during += w.podCPU() * int64(w.Replicas)
		}
	}
	return max(up.rev1.CPUMillis(), during)
}

// workload is the manifests' workload of that kind and name, or nil.
func (m *Manifests) workload(kind, name string) *Workload {
	for i := range m.Workloads {
		if m.Workloads[i].Kind == kind && m.Workloads[i].Name == name {
			return &m.Workloads[i]
		}
	}
	return nil
}

// runUpgrade runs the upgrade on the installed release and checks that
// it rolled as planned. before is the release's pods as installed.
func (s *suite) runUpgrade(ctx context.Context, cfg *action.Configuration, ch *chartv2.Chart, release, ns string, up upgrade, before map[string][]corev1.Pod) error {
	start := time.Now()
	s.busyboxImages(ctx, up.rev2) // a busybox service's -v2 tag
	u := action.NewUpgrade(cfg)
	u.Namespace, u.WaitStrategy, u.Timeout = ns, kube.HookOnlyStrategy, 5*time.Minute
	if _, err := u.RunWithContext(ctx, release, ch, up.values); err != nil {
		return err
	}
	if _, err := s.waitReady(ctx, ns, start, ""); err != nil {
		return err
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		wrong, err := s.rolled(ctx, ns, up, before)
		if err == nil && len(wrong) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			state, _ := s.c.Kubectl(ctx, nil, "get", "pods,replicasets,jobs", "-n", ns, "-o", "wide")
			return fmt.Errorf("not rolled as planned after %v: %s (%v)\n%s%s", time.Since(start).Round(time.Second),
				strings.Join(wrong, "; "), err, state, s.warnings(ctx, ns))
		}
		time.Sleep(2 * time.Second)
	}
}

// rolled lists how the release differs from the planned revision 2: a
// changed workload with a pod from before, on other images, or not as
// many Ready pods as its replicas; an unchanged one whose pods are not
// the same; a Job of revision 1 left, or one of revision 2 missing or on
// other images.
func (s *suite) rolled(ctx context.Context, ns string, up upgrade, before map[string][]corev1.Pod) ([]string, error) {
	pods, err := s.pods(ctx, ns)
	if err != nil {
		return nil, err
	}
	now := podsByWorkload(pods)
	var wrong []string
	for _, w := range up.rev2.Workloads {
		key := w.Kind + "/" + w.Name
		switch {
		case w.Kind == "CronJob" || w.Kind == "Job":
			continue // Jobs below; a CronJob's runs are its schedule's
		case !up.changed[key]:
			if uids(now[key]) != uids(before[key]) {
				wrong = append(wrong, fmt.Sprintf("%s is unchanged but its pods are %s, were %s", key, uids(now[key]), uids(before[key])))
			}
			continue
		}
		old := map[string]bool{}
		for _, p := range before[key] {
			old[string(p.UID)] = true
		}
		ready := 0
		for _, p := range now[key] {
			switch {
			case old[string(p.UID)]:
				wrong = append(wrong, fmt.Sprintf("%s still has pod %s of revision 1", key, p.Name))
			case !slices.Equal(images(p.Spec.Containers), images(w.Pod.Spec.Containers)):
				wrong = append(wrong, fmt.Sprintf("%s's pod %s runs %v, revision 2 %v", key, p.Name, images(p.Spec.Containers), images(w.Pod.Spec.Containers)))
			case podReady(p):
				ready++
			}
		}
		switch {
		case up.rev2.Autoscaled[key]: // as many as its autoscaler says: at least one
			if ready == 0 || ready != len(now[key]) {
				wrong = append(wrong, fmt.Sprintf("%s (autoscaled) has %d pods, %d Ready", key, len(now[key]), ready))
			}
		case ready != w.Replicas || len(now[key]) != w.Replicas:
			wrong = append(wrong, fmt.Sprintf("%s has %d pods, %d Ready, want %d", key, len(now[key]), ready, w.Replicas))
		}
	}
	return append(wrong, s.jobsRolled(ctx, ns, up)...), nil
}

// jobsRolled lists what is wrong with the Jobs after the upgrade:
// revision 1's left, revision 2's missing, on other images, or not run
// as many at once and to completion as its replicas.
func (s *suite) jobsRolled(ctx context.Context, ns string, up upgrade) []string {
	out, err := s.c.Kubectl(ctx, nil, "get", "jobs", "-n", ns, "-o",
		`jsonpath={range .items[*]}{.metadata.name}={.spec.parallelism}/{.spec.completions}/{.status.succeeded}={.spec.template.spec.containers[*].image}{"\n"}{end}`)
	if err != nil {
		return []string{err.Error()}
	}
	have := map[string]string{} // name: parallelism/completions/succeeded=images
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if name, rest, ok := strings.Cut(line, "="); ok {
			have[name] = rest
		}
	}
	var wrong []string
	for _, w := range up.rev1.Workloads {
		if _, left := have[w.Name]; w.Kind == "Job" && left && up.rev2.workload("Job", w.Name) == nil {
			wrong = append(wrong, "revision 1's job "+w.Name+" is left")
		}
	}
	for _, w := range up.rev2.Workloads {
		if w.Kind != "Job" {
			continue
		}
		n := w.Replicas
		if want := fmt.Sprintf("%d/%d/%d=%s", n, n, n, strings.Join(images(w.Pod.Spec.Containers), " ")); have[w.Name] != want {
			wrong = append(wrong, fmt.Sprintf("job %s: parallelism/completions/succeeded=images %q, want %q", w.Name, have[w.Name], want))
		}
	}
	return wrong
}

// podsByWorkload groups the pods not being deleted by the workload that
// owns them (kind/name; a ReplicaSet's pods by its Deployment's).
func podsByWorkload(pods []corev1.Pod) map[string][]corev1.Pod {
	out := map[string][]corev1.Pod{}
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, o := range p.OwnerReferences {
			kind, name := o.Kind, o.Name
			if kind == "ReplicaSet" {
				kind, name = "Deployment", name[:max(strings.LastIndex(name, "-"), 0)]
			}
			out[kind+"/"+name] = append(out[kind+"/"+name], p)
		}
	}
	return out
}

// uids is the pods' UIDs, sorted, as one string.
func uids(pods []corev1.Pod) string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = string(p.UID)
	}
	slices.Sort(out)
	return "[" + strings.Join(out, " ") + "]"
}

func images(cs []corev1.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Image
	}
	return out
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// showsSomething refuses an upgrade that would show nothing: the
// target's workload not changed, or not one replica more in revision 2
// than in revision 1 (a Job by its service: its name has the revision).
func (up upgrade) showsSomething(ex string) error {
	before := map[string]int{}
	for _, w := range up.rev1.Workloads {
		before[w.Kind+"/"+w.Pod.Labels["app.kubernetes.io/name"]] = w.Replicas
	}
	for _, w := range up.rev2.Workloads {
		svc := w.Pod.Labels["app.kubernetes.io/name"]
		if n, ok := before[w.Kind+"/"+svc]; ok && svc == up.target && up.changed[w.Kind+"/"+w.Name] && w.Replicas == n+1 {
			return nil
		}
	}
	return fmt.Errorf("%s: the upgrade scales no service (target %q, changed %v)", ex, up.target, up.changed)
}
