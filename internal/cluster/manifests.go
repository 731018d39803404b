package cluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/transship/transship/internal/cluster/standin/role"
	"github.com/transship/transship/internal/kubeapi"
)

// Manifests is what the suite needs to know of a converted example.
type Manifests struct {
	Workloads  []Workload
	Services   []corev1.Service
	ConfigMaps map[string]corev1.ConfigMap
	Secrets    map[string]corev1.Secret
	Namespaces []string // Namespace objects
	Jobs       []string
	Claims     int
	Kinds      map[string][]string // kind -> names
	Autoscaled map[string]bool     // kind/name of the workloads a HorizontalPodAutoscaler scales
}

// Workload is an object with a pod template.
type Workload struct {
	Kind, Name string
	Pod        corev1.PodTemplateSpec
	Replicas   int // pods at once
}

// OneShot: its pods are meant to finish.
func (w Workload) OneShot() bool {
	return w.Kind == "Job" || w.Kind == "CronJob" || (w.Kind == "Pod" && w.Pod.Spec.RestartPolicy != corev1.RestartPolicyAlways)
}

// Standin: the workload's app runs on a stand-in image, not on one the
// cluster has under its own name (busybox).
func (w Workload) Standin() bool {
	for _, c := range w.Pod.Spec.Containers {
		if isHarnessImage(c.Image) {
			return false
		}
	}
	return true
}

// ForeignAccounts are the service accounts pods run as that the output
// does not create (conversion warns K8S155 that they must exist).
func (m *Manifests) ForeignAccounts() []string {
	set := map[string]bool{}
	for _, w := range m.Workloads {
		if sa := w.Pod.Spec.ServiceAccountName; sa != "" && !slices.Contains(m.Kinds["ServiceAccount"], sa) {
			set[sa] = true
		}
	}
	out := slices.Collect(maps.Keys(set))
	slices.Sort(out)
	return out
}

// Selected is the workload whose pods a selector selects, or nil. (A
// chart's workloads carry the release in their names, not in the
// selectors' app.kubernetes.io/name.)
func (m *Manifests) Selected(sel map[string]string) *Workload {
	if len(sel) == 0 {
		return nil
	}
	for i := range m.Workloads {
		labels := m.Workloads[i].Pod.Labels
		all := true
		for k, v := range sel {
			all = all && labels[k] == v
		}
		if all {
			return &m.Workloads[i]
		}
	}
	return nil
}

// ReadManifests reads every YAML file of a directory output but the
// kustomization.
func ReadManifests(dir string) (*Manifests, error) {
	m := &Manifests{ConfigMaps: map[string]corev1.ConfigMap{}, Secrets: map[string]corev1.Secret{}, Kinds: map[string][]string{}, Autoscaled: map[string]bool{}}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(files)
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, doc := range kubeapi.SplitYAML(data) {
			if err := m.add(doc); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	return m, nil
}

func (m *Manifests) add(doc []byte) error {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return err
	}
	m.Kinds[head.Kind] = append(m.Kinds[head.Kind], head.Metadata.Name)
	var tmpl *corev1.PodTemplateSpec
	var replicas *int32
	switch head.Kind {
	case "Deployment":
		var o appsv1.Deployment
		err := yaml.Unmarshal(doc, &o)
		tmpl, replicas = &o.Spec.Template, o.Spec.Replicas
		if err != nil {
			return err
		}
	case "StatefulSet":
		var o appsv1.StatefulSet
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		tmpl, replicas = &o.Spec.Template, o.Spec.Replicas
		m.Claims += len(o.Spec.VolumeClaimTemplates)
	case "DaemonSet":
		var o appsv1.DaemonSet
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		tmpl = &o.Spec.Template
	case "Job":
		var o batchv1.Job
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		tmpl, replicas = &o.Spec.Template, o.Spec.Parallelism
		m.Jobs = append(m.Jobs, head.Metadata.Name)
	case "CronJob":
		var o batchv1.CronJob
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		tmpl = &o.Spec.JobTemplate.Spec.Template
	case "Pod":
		var o corev1.Pod
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		tmpl = &corev1.PodTemplateSpec{ObjectMeta: o.ObjectMeta, Spec: o.Spec}
	case "Service":
		var o corev1.Service
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		m.Services = append(m.Services, o)
	case "ConfigMap":
		var o corev1.ConfigMap
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		m.ConfigMaps[o.Name] = o
	case "Secret":
		var o corev1.Secret
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		for k, v := range o.StringData {
			if o.Data == nil {
				o.Data = map[string][]byte{}
			}
			o.Data[k] = []byte(v)
		}
		m.Secrets[o.Name] = o
	case "Namespace":
		m.Namespaces = append(m.Namespaces, head.Metadata.Name)
	case "PersistentVolumeClaim":
		m.Claims++
	case "HorizontalPodAutoscaler":
		var o autoscalingv2.HorizontalPodAutoscaler
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return err
		}
		m.Autoscaled[o.Spec.ScaleTargetRef.Kind+"/"+o.Spec.ScaleTargetRef.Name] = true
	}
	if tmpl != nil {
		n := 1
		if replicas != nil {
			n = int(*replicas)
		}
		m.Workloads = append(m.Workloads, Workload{Kind: head.Kind, Name: head.Metadata.Name, Pod: *tmpl, Replicas: n})
	}
	return nil
}

// HealthyAfter is how late a stand-in with a healthcheck turns healthy:
// long enough that a dependent which does not wait for it is caught.
const HealthyAfter = 8

// StandinConfigs returns, for every app image repository (what a
// kustomize images: entry matches; not the wait and kubectl images), the
// stand-in's /standin.json and the command names it must answer to.
func (m *Manifests) StandinConfigs() (map[string][]byte, map[string][]string) {
	roles := map[string]map[string]role.Workload{}
	cmds := map[string]map[string]bool{}
	for _, w := range m.Workloads {
		for _, c := range w.Pod.Spec.Containers {
			if isHarnessImage(c.Image) {
				continue
			}
			img := ImageRepo(c.Image)
			if roles[img] == nil {
				roles[img], cmds[img] = map[string]role.Workload{}, map[string]bool{}
			}
			r := role.Workload{OneShot: w.OneShot()}
			for _, p := range c.Ports {
				r.Ports = append(r.Ports, role.Port{Port: int(p.ContainerPort), Protocol: string(p.Protocol)})
			}
			for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
				if p != nil && p.Exec != nil {
					r.HealthyAfter = HealthyAfter
					commandNames(p.Exec.Command, cmds[img])
				}
			}
			commandNames(c.Command, cmds[img])
			for _, vm := range c.VolumeMounts {
				r.Files = append(r.Files, vm.MountPath)
			}
			roles[img][podHostPrefix(w)] = r
		}
	}
	configs, names := map[string][]byte{}, map[string][]string{}
	for img, r := range roles {
		configs[img], _ = json.Marshal(r)
		for c := range cmds[img] {
			names[img] = append(names[img], c)
		}
		sort.Strings(names[img])
	}
	return configs, names
}

// ImageRepo is an image reference without its tag and digest.
func ImageRepo(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// podHostPrefix is what the pods' hostnames start with.
func podHostPrefix(w Workload) string {
	if h := w.Pod.Spec.Hostname; h != "" {
		return h
	}
	return w.Name
}

// isHarnessImage: the images the cluster has under their own names.
func isHarnessImage(img string) bool {
	return img == WaitImage || img == KubectlImage || "docker.io/library/"+img == WaitImage ||
		strings.HasPrefix(img, "busybox:") || strings.HasPrefix(img, "docker.io/library/busybox:")
}

var wordRE = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)

// commandNames adds the programs argv runs: argv[0], or for `sh -c
// SCRIPT` the first word of each command of the script.
func commandNames(argv []string, into map[string]bool) {
	if len(argv) == 0 {
		return
	}
	if (argv[0] == "sh" || argv[0] == "/bin/sh") && len(argv) >= 3 {
		script := argv[len(argv)-1]
		for _, seg := range regexp.MustCompile(`\|\||&&|[|;&()\n]`).Split(script, -1) {
			f := strings.Fields(seg)
			for len(f) > 0 && (strings.Contains(f[0], "=") || f[0] == "exec" || f[0] == "!") {
				f = f[1:]
			}
			if len(f) > 0 && wordRE.MatchString(f[0]) {
				into[f[0]] = true
			}
		}
		return
	}
	into[argv[0]] = true
}
