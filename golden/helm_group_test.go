package golden

import (
	"fmt"
	"strings"
	"testing"
)

// containersOf lists a workload's containers by name.
func containersOf(obj map[string]any) map[string]any {
	out := map[string]any{}
	l, _ := at(obj, "spec", "template", "spec", "containers").([]any)
	for _, e := range l {
		m, _ := e.(map[string]any)
		if name, ok := m["name"].(string); ok {
			out[name] = m
		}
	}
	return out
}

// TestHelmGroupMemberValues: a service merged into another's pod
// (kompose-labels' blog-metrics, in wordpress's pod) follows its own
// values: image, resources, env, and enabled, which drops its container
// and its Service; disabling the pod's owner drops the member's Service
// too (it would select no pod).
func TestHelmGroupMemberValues(t *testing.T) {
	dir := goldenChart(t, "kompose-labels/helm")
	objs, _, err := renderWith(t, dir, `
services:
  blog-metrics:
    image: {tag: "9.9"}
    resources: {limits: {memory: 64Mi}}
    env: {EXTRA: "yes"}
`)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := containersOf(objs["wordpress-deployment.yaml"])["blog-metrics"]
	if !ok {
		t.Fatal("wordpress's pod lacks the blog-metrics container")
	}
	if img, _ := at(m, "image").(string); img != "lusotycoon/apache-exporter:9.9" {
		t.Errorf("blog-metrics image: %q, want lusotycoon/apache-exporter:9.9", img)
	}
	if got := at(m, "resources", "limits", "memory"); got != "64Mi" {
		t.Errorf("blog-metrics memory limit: %v", got)
	}
	if got := at(m, "env", "0", "value"); got != "yes" {
		t.Errorf("blog-metrics env: %v", at(m, "env"))
	}

	objs, _, err = renderWith(t, dir, "services: {blog-metrics: {enabled: false}}")
	if err != nil {
		t.Fatal(err)
	}
	cs := containersOf(objs["wordpress-deployment.yaml"])
	if _, ok := cs["blog-metrics"]; ok {
		t.Error("blog-metrics disabled, yet its container is in wordpress's pod")
	}
	if _, ok := cs["wordpress"]; !ok {
		t.Error("disabling blog-metrics dropped wordpress's own container")
	}
	if _, ok := objs["blog-metrics-service.yaml"]; ok {
		t.Error("blog-metrics disabled, yet its Service is rendered")
	}

	objs, _, err = renderWith(t, dir, "services: {wordpress: {enabled: false}}")
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"wordpress-deployment.yaml", "blog-metrics-service.yaml"} {
		if _, ok := objs[gone]; ok {
			t.Errorf("wordpress disabled, yet %s is rendered", gone)
		}
	}
}

// initNames lists a workload's init containers.
func initNames(obj map[string]any) []string {
	var out []string
	l, _ := at(obj, "spec", "template", "spec", "initContainers").([]any)
	for _, e := range l {
		out = append(out, fmt.Sprint(at(e, "name")))
	}
	return out
}

// TestHelmDisabledDependencyIsNotAwaited: batch-pipeline with fetch
// disabled renders process without its waits for the Job fetch, which is
// not rendered (the pod would wait for it forever); summarise still
// waits for process.
func TestHelmDisabledDependencyIsNotAwaited(t *testing.T) {
	dir := goldenChart(t, "batch-pipeline/helm")
	objs, _, err := renderWith(t, dir, "services: {fetch: {enabled: false}}")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := objs["fetch-job.yaml"]; ok {
		t.Fatal("fetch disabled, yet rendered")
	}
	if got := initNames(objs["process-job.yaml"]); len(got) != 0 {
		t.Errorf("process still waits for the disabled fetch: %v", got)
	}
	if got := strings.Join(initNames(objs["summarise-job.yaml"]), " "); got != "wait-for-process succeeded-process" {
		t.Errorf("summarise's waits: %q, want those for process", got)
	}
}
