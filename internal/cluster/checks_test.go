package cluster

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/internal/cluster/standin/role"
)

// waitReady waits until every Deployment, StatefulSet and DaemonSet of ns
// is available, every Job complete and every claim Bound, and returns how
// long that took from start. A known failure that shows in a Warning event
// (early, from knownFailing) ends the wait at once.
func (s *suite) waitReady(ctx context.Context, ns string, start time.Time, early string) (time.Duration, error) {
	deadline := start.Add(readyTimeout)
	for {
		pending, err := s.notReady(ctx, ns)
		if err == nil && len(pending) == 0 {
			return time.Since(start), nil
		}
		seen := early != "" && bytes.Contains(s.warnings(ctx, ns), []byte(early))
		if seen || err == nil && strings.Contains(strings.Join(pending, " "), "failed") || time.Now().After(deadline) {
			pods, _ := s.c.Kubectl(ctx, nil, "get", "pods", "-n", ns, "-o", "wide")
			ev := s.warnings(ctx, ns)
			return time.Since(start), fmt.Errorf("not ready after %v: %s (%v)\n%s%s%s", time.Since(start).Round(time.Second),
				strings.Join(pending, ", "), err, pods, ev, s.waitLogs(ctx, ns))
		}
		time.Sleep(2 * time.Second)
	}
}

// warnings are the namespace's Warning events.
func (s *suite) warnings(ctx context.Context, ns string) []byte {
	ev, _ := s.c.Kubectl(ctx, nil, "get", "events", "-n", ns, "--field-selector=type=Warning",
		"-o", "custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message")
	return ev
}

// notReady lists what is not up yet.
func (s *suite) notReady(ctx context.Context, ns string) ([]string, error) {
	out, err := s.c.Kubectl(ctx, nil, "get", "deployments,statefulsets,daemonsets,jobs,persistentvolumeclaims", "-n", ns, "-o", "json")
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				Replicas *int `json:"replicas"`
			} `json:"spec"`
			Status struct {
				Phase                  string `json:"phase"`
				ReadyReplicas          int    `json:"readyReplicas"`
				NumberAvailable        int    `json:"numberAvailable"`
				DesiredNumberScheduled int    `json:"desiredNumberScheduled"`
				Conditions             []struct {
					Type, Status string
				} `json:"conditions"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, err
	}
	var pending []string
	for _, o := range list.Items {
		cond := map[string]string{}
		for _, c := range o.Status.Conditions {
			cond[c.Type] = c.Status
		}
		id := strings.ToLower(o.Kind) + "/" + o.Metadata.Name
		replicas := 1
		if o.Spec.Replicas != nil {
			replicas = *o.Spec.Replicas
		}
		switch o.Kind {
		case "Deployment":
			if cond["Available"] != "True" {
				pending = append(pending, id+" not Available")
			}
		case "StatefulSet":
			if o.Status.ReadyReplicas < replicas {
				pending = append(pending, id+" not ready")
			}
		case "DaemonSet":
			if o.Status.DesiredNumberScheduled == 0 || o.Status.NumberAvailable < o.Status.DesiredNumberScheduled {
				pending = append(pending, id+" not available")
			}
		case "Job":
			if cond["Failed"] == "True" {
				pending = append(pending, id+" failed")
			} else if cond["Complete"] != "True" {
				pending = append(pending, id+" not Complete")
			}
		case "PersistentVolumeClaim":
			if o.Status.Phase != "Bound" {
				pending = append(pending, id+" "+o.Status.Phase)
			}
		}
	}
	return pending, nil
}

// waitLogs is the last lines of every wait container that has not passed.
func (s *suite) waitLogs(ctx context.Context, ns string) string {
	pods, err := s.pods(ctx, ns)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range pods {
		for _, st := range p.Status.ContainerStatuses {
			if st.RestartCount > 0 {
				logs, _ := s.c.Kubectl(ctx, nil, "logs", "-n", ns, p.Name, "-c", st.Name, "--previous", "--tail=5")
				ev, _ := s.c.Kubectl(ctx, nil, "get", "events", "-n", ns, "--field-selector=involvedObject.name="+p.Name, "-o", "custom-columns=R:.reason,M:.message")
				fmt.Fprintf(&b, "%s/%s restarted %d times: %s\n%s\n", p.Name, st.Name, st.RestartCount, bytes.TrimSpace(logs), ev)
			}
		}
		if job := p.Labels["job-name"]; job != "" && p.Status.Phase == corev1.PodRunning {
			// A Job's pod that does not finish: its stand-in's report
			// says which role it took ("workload").
			logs, _ := s.c.Kubectl(ctx, nil, "logs", "-n", ns, p.Name, "--all-containers", "--tail=3")
			fmt.Fprintf(&b, "%s (job %s) still running: %s\n", p.Name, job, bytes.TrimSpace(logs))
		}
		for _, st := range p.Status.InitContainerStatuses {
			if st.State.Terminated == nil {
				logs, _ := s.c.Kubectl(ctx, nil, "logs", "-n", ns, p.Name, "-c", st.Name, "--tail=3")
				fmt.Fprintf(&b, "%s/%s: %s\n", p.Name, st.Name, bytes.TrimSpace(logs))
			}
		}
	}
	return b.String()
}

func (s *suite) pods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	out, err := s.c.Kubectl(ctx, nil, "get", "pods", "-n", ns, "-o", "json")
	if err != nil {
		return nil, err
	}
	var list corev1.PodList
	return list.Items, json.Unmarshal(out, &list)
}

// check runs the checks of a ready example; it returns the failures.
func (s *suite) check(ctx context.Context, ns string, m *Manifests, g *Graph) []string {
	pods, err := s.pods(ctx, ns)
	if err != nil {
		return []string{err.Error()}
	}
	fails := s.checkOrder(ctx, ns, pods)
	fails = append(fails, s.checkServices(ctx, ns, m)...)
	return append(fails, s.checkReports(ctx, ns, pods, m, g)...)
}

// checkOrder: every wait-for-X init container passed after X was ready
// (its first pod Ready, or its Job complete). Stand-ins with a healthcheck
// turn healthy HealthyAfter seconds late, so a wait that does not wait
// for health is caught.
func (s *suite) checkOrder(ctx context.Context, ns string, pods []corev1.Pod) []string {
	readyAt := map[string]time.Time{}
	for _, p := range pods {
		svc := p.Labels["app.kubernetes.io/name"]
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				if t, ok := readyAt[svc]; !ok || c.LastTransitionTime.Time.Before(t) {
					readyAt[svc] = c.LastTransitionTime.Time
				}
			}
		}
	}
	if out, err := s.c.Kubectl(ctx, nil, "get", "jobs", "-n", ns, "-o", "json"); err == nil {
		var jobs batchv1.JobList
		if json.Unmarshal(out, &jobs) == nil {
			for _, j := range jobs.Items {
				if j.Status.CompletionTime != nil {
					// By its manifest name too: a chart's Job carries the
					// release and revision, its waits the manifest name.
					readyAt[j.Name] = j.Status.CompletionTime.Time
					if n := j.Labels["app.kubernetes.io/name"]; n != "" {
						readyAt[n] = j.Status.CompletionTime.Time
					}
				}
			}
		}
	}
	var fails []string
	for _, p := range pods {
		for _, st := range p.Status.InitContainerStatuses {
			dep, ok := strings.CutPrefix(st.Name, "wait-for-")
			if !ok || st.State.Terminated == nil {
				continue
			}
			passed := st.State.Terminated.FinishedAt.Time
			at, ok := readyAt[dep]
			switch {
			case !ok:
				fails = append(fails, fmt.Sprintf("order: %s/%s passed, but %s was never ready", p.Name, st.Name, dep))
			case passed.Before(at.Truncate(time.Second)):
				fails = append(fails, fmt.Sprintf("order: %s/%s passed at %s, before %s was ready at %s",
					p.Name, st.Name, passed.Format(time.TimeOnly), dep, at.Format(time.TimeOnly)))
			}
		}
	}
	return fails
}

// checkServices: from a client pod, every Service answers by name on each
// of its ports (TCP and UDP: the stand-ins answer both). A Service in
// front of an app that is not a stand-in (busybox's httpd in vm-web) must
// accept the connection; one in front of a Job's pods only, which are done
// by now, is not dialled.
func (s *suite) checkServices(ctx context.Context, ns string, m *Manifests) []string {
	out, err := s.c.Kubectl(ctx, nil, "get", "services", "-n", ns, "-o", "json")
	if err != nil {
		return []string{err.Error()}
	}
	var svcs corev1.ServiceList
	if err := json.Unmarshal(out, &svcs); err != nil {
		return []string{err.Error()}
	}
	var targets []string
	for _, sv := range svcs.Items {
		w := m.Selected(sv.Spec.Selector)
		if w != nil && w.OneShot() {
			continue
		}
		for _, p := range sv.Spec.Ports {
			port := p.Port
			if sv.Spec.ClusterIP == corev1.ClusterIPNone && p.TargetPort.IntVal != 0 {
				port = p.TargetPort.IntVal // headless: the name is the pod's
			}
			proto := strings.ToLower(string(p.Protocol))
			if w != nil && !w.Standin() && proto == "tcp" {
				proto = "open"
			}
			targets = append(targets, fmt.Sprintf("%s:%d/%s", sv.Name, port, proto))
		}
	}
	if len(targets) == 0 {
		return nil
	}
	sort.Strings(targets)
	argv, _ := json.Marshal(append([]string{"standin", "dial"}, targets...))
	pod := fmt.Sprintf(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "transship-client", "namespace": %q},
"spec": {"restartPolicy": "Never", "automountServiceAccountToken": false,
"containers": [{"name": "client", "image": %q, "command": %s}]}}`, ns, WaitImage, argv)
	if _, err := s.c.Kubectl(ctx, strings.NewReader(pod), "apply", "-f", "-"); err != nil {
		return []string{err.Error()}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ph, err := s.c.Kubectl(ctx, nil, "get", "pod", "transship-client", "-n", ns, "-o", "jsonpath={.status.phase}")
		if err == nil && (string(ph) == "Succeeded" || string(ph) == "Failed") {
			break
		}
		if time.Now().After(deadline) {
			return []string{"services: the client pod did not finish"}
		}
		time.Sleep(2 * time.Second)
	}
	logs, err := s.c.Kubectl(ctx, nil, "logs", "transship-client", "-n", ns)
	if err != nil {
		return []string{err.Error()}
	}
	var fails []string
	for _, l := range strings.Split(string(logs), "\n") {
		if strings.HasPrefix(l, "FAIL ") {
			fails = append(fails, "services: "+l)
		}
	}
	return fails
}

// checkReports reads what every stand-in saw and compares it with the
// compose graph: env values byte for byte, secrets and configs at their
// targets with their content and modes, no ServiceAccount token.
func (s *suite) checkReports(ctx context.Context, ns string, pods []corev1.Pod, m *Manifests, g *Graph) []string {
	var fails []string
	for _, p := range pods {
		for _, c := range p.Spec.Containers {
			if !strings.HasPrefix(c.Image, "transship.test/standin:") {
				continue
			}
			id := p.Name + "/" + c.Name
			logs, err := s.c.Kubectl(ctx, nil, "logs", "-n", ns, p.Name, "-c", c.Name)
			if err != nil {
				fails = append(fails, err.Error())
				continue
			}
			r, err := parseReport(logs)
			if err != nil {
				fails = append(fails, id+": "+err.Error())
				continue
			}
			if r.Token {
				fails = append(fails, id+": a ServiceAccount token is mounted, and the app needs none")
			}
			// A pod shared by several services (kompose.service.group,
			// network_mode: service:X) has a container per service, named
			// after it; else the workload names it.
			// A chart's workload carries the release; its pods' name
			// label is the manifest's name.
			svc := g.Service(c.Name)
			if svc == nil {
				svc = g.Service(r.Workload)
			}
			if svc == nil {
				svc = g.Service(p.Labels["app.kubernetes.io/name"])
			}
			if svc == nil {
				continue
			}
			env := map[string]bool{}
			for _, e := range r.Env {
				env[e] = true
			}
			for _, e := range svc.Environment {
				if e.Value != nil && !env[e.Name+"="+*e.Value] {
					fails = append(fails, fmt.Sprintf("%s: env %s is not %q (got %q)", id, e.Name, *e.Value, envValue(r.Env, e.Name)))
				}
			}
			for _, mt := range svc.Mounts {
				if mt.Kind == "secret" || mt.Kind == "config" {
					fails = append(fails, checkFile(id, mt.Target, mt.Mode, p, c, m, r)...)
				}
				if mt.Kind == "bind" && mt.SourceKind == "dir" && mt.ReadOnly && mountsConfigMap(p, c, mt.Target) {
					fails = append(fails, checkBindDir(id, filepath.Join(g.Dir, mt.Source), mt.Target, r)...)
				}
			}
		}
	}
	return fails
}

func envValue(env []string, name string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, name+"="); ok {
			return v
		}
	}
	return "<unset>"
}

// parseReport finds the stand-in's STANDIN line.
func parseReport(logs []byte) (*role.Report, error) {
	for _, l := range strings.Split(string(logs), "\n") {
		if js, ok := strings.CutPrefix(l, "STANDIN "); ok {
			var r role.Report
			return &r, json.Unmarshal([]byte(js), &r)
		}
	}
	return nil, fmt.Errorf("no STANDIN report in its logs")
}

// checkFile: a secret or config is at target with the mode compose gives
// it (0444 unless set) and the content of the object the pod mounts.
func checkFile(id, target string, mode *int, p corev1.Pod, c corev1.Container, m *Manifests, r *role.Report) []string {
	want := 0o444
	if mode != nil {
		want = *mode
	}
	got, ok := r.Files[target]
	if !ok || got.Error != "" {
		return []string{fmt.Sprintf("%s: %s is missing (%s)", id, target, got.Error)}
	}
	var fails []string
	if got.Mode != fmt.Sprintf("%04o", want) {
		fails = append(fails, fmt.Sprintf("%s: %s has mode %s, compose says %04o", id, target, got.Mode, want))
	}
	content, err := base64.StdEncoding.DecodeString(got.Content)
	if exp, found := mountedContent(target, p, c, m); err != nil || !found {
		fails = append(fails, fmt.Sprintf("%s: %s: no ConfigMap or Secret key is mounted there", id, target))
	} else if !bytes.Equal(content, exp) {
		fails = append(fails, fmt.Sprintf("%s: %s holds %q, its object %q", id, target, content, exp))
	}
	return fails
}

// mountedContent is the data of the ConfigMap or Secret key the container
// mounts at target (with subPath, or as a file of a mounted directory).
func mountedContent(target string, p corev1.Pod, c corev1.Container, m *Manifests) ([]byte, bool) {
	for _, vm := range c.VolumeMounts {
		file := vm.SubPath
		if vm.MountPath != target {
			if path.Dir(target) != vm.MountPath || vm.SubPath != "" {
				continue
			}
			file = path.Base(target)
		}
		for _, v := range p.Spec.Volumes {
			if v.Name != vm.Name {
				continue
			}
			var data map[string][]byte
			var items []corev1.KeyToPath
			switch {
			case v.ConfigMap != nil:
				cm := m.ConfigMaps[v.ConfigMap.Name]
				data, items = map[string][]byte{}, v.ConfigMap.Items
				for k, s := range cm.Data {
					data[k] = []byte(s)
				}
				for k, b := range cm.BinaryData {
					data[k] = b
				}
			case v.Secret != nil:
				data, items = m.Secrets[v.Secret.SecretName].Data, v.Secret.Items
			default:
				continue
			}
			key := file
			for _, it := range items {
				if it.Path == file {
					key = it.Key
				}
			}
			d, ok := data[key]
			return d, ok
		}
	}
	return nil, false
}

// stream: `transship convert -o -` piped into one `kubectl apply -f -`
// succeeds on an empty namespace (or, for a project that names its own,
// on a cluster without it), and applying it again changes nothing.
func (s *suite) stream(ctx context.Context, ns string, m *Manifests, compose, site string) []string {
	data, err := s.convert(ctx, append([]string{"convert", "--to", "kubernetes", "-f", compose, "-o", "-"}, siteArgs(site)...)...)
	if err != nil {
		return []string{err.Error()}
	}
	args := []string{"apply", "-f", "-"}
	cleanup := m.Namespaces
	if len(m.Namespaces) > 0 {
		// Both sites name the same namespace: one at a time.
		defer s.lock("namespace:" + strings.Join(m.Namespaces, ","))()
	} else {
		// A quota of no pods: this copy is for apply alone, and must not
		// take the node's CPU from the examples running.
		sns := ns + "-s"
		if _, err := s.c.Kubectl(ctx, nil, "create", "namespace", sns); err != nil {
			return []string{err.Error()}
		}
		if _, err := s.c.Kubectl(ctx, nil, "create", "quota", "no-pods", "-n", sns, "--hard=pods=0"); err != nil {
			return []string{err.Error()}
		}
		if err := s.accounts(ctx, sns, m); err != nil {
			return []string{err.Error()}
		}
		args = []string{"apply", "-n", sns, "-f", "-"}
		cleanup = []string{sns}
	}
	defer func() {
		s.c.Kubectl(ctx, nil, append([]string{"delete", "namespace", "--timeout=60s"}, cleanup...)...)
	}()
	if _, err := s.c.Kubectl(ctx, bytes.NewReader(data), args...); err != nil {
		return []string{"stream: first apply: " + err.Error()}
	}
	again, err := s.c.Kubectl(ctx, bytes.NewReader(data), args...)
	if err != nil {
		return []string{"stream: second apply: " + err.Error()}
	}
	var fails []string
	for _, l := range strings.Split(strings.TrimSpace(string(again)), "\n") {
		if !strings.HasSuffix(l, " unchanged") {
			fails = append(fails, "stream: the second apply changed something: "+l)
		}
	}
	return fails
}

// mountsConfigMap: the container mounts a ConfigMap volume at target (a
// read-only bind-mounted directory of the project becomes one).
func mountsConfigMap(p corev1.Pod, c corev1.Container, target string) bool {
	for _, vm := range c.VolumeMounts {
		for _, v := range p.Spec.Volumes {
			if vm.MountPath == target && v.Name == vm.Name && v.ConfigMap != nil {
				return true
			}
		}
	}
	return false
}

// checkBindDir: every file of the project directory is at its path under
// target, byte for byte, executable where it was, and nothing else is:
// what the stand-in read back from the directory ConfigMap.
func checkBindDir(id, dir, target string, r *role.Report) []string {
	var fails []string
	want := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		at := path.Join(target, filepath.ToSlash(rel))
		want[at] = true
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		got, ok := r.Files[at]
		content, derr := base64.StdEncoding.DecodeString(got.Content)
		switch {
		case !ok || got.Error != "":
			fails = append(fails, fmt.Sprintf("%s: %s of bind mount %s is missing (%s)", id, at, dir, got.Error))
		case derr != nil || !bytes.Equal(content, data):
			fails = append(fails, fmt.Sprintf("%s: %s holds %q, the project's file %q", id, at, content, data))
		case (st.Mode()&0o111 != 0) != strings.ContainsAny(got.Mode[len(got.Mode)-3:], "1357"):
			fails = append(fails, fmt.Sprintf("%s: %s has mode %s, the project's file %04o", id, at, got.Mode, st.Mode().Perm()))
		}
		return nil
	})
	if err != nil {
		fails = append(fails, fmt.Sprintf("%s: reading %s: %v", id, dir, err))
	}
	for at := range r.Files {
		if strings.HasPrefix(at, target+"/") && !want[at] {
			fails = append(fails, fmt.Sprintf("%s: %s is not in the project's %s", id, at, dir))
		}
	}
	return fails
}
