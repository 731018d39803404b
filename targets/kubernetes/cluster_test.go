package kubernetes

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/transship/transship/translate"
)

// Regression tests for what the cluster suite (internal/cluster) showed
// on a real cluster; each fails on the emitter as it was before.

func deployment(t *testing.T, files map[string]string, file string) appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := yaml.Unmarshal([]byte(files[file]), &d); err != nil || d.Name == "" {
		t.Fatalf("%s: %v\n%s", file, err, files[file])
	}
	return d
}

// A pod waiting for a Job got automountServiceAccountToken unset, so the
// app's container saw the ServiceAccount token too. Only the kubectl
// init containers may have it.
func TestTokenOnlyInJobWaits(t *testing.T) {
	files, _ := convert(t, `services:
  migrate: {image: m, restart: "no"}
  web:
    image: w
    ports: ["80"]
    depends_on: {migrate: {condition: service_completed_successfully}}
`, "generic", Options{})
	spec := deployment(t, files, "web-deployment.yaml").Spec.Template.Spec
	if a := spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("the pod automounts a token into every container: automountServiceAccountToken %v", a)
	}
	if spec.ServiceAccountName != "p-wait" {
		t.Errorf("serviceAccountName %q, want p-wait", spec.ServiceAccountName)
	}
	var vol *corev1.Volume
	for i := range spec.Volumes {
		if spec.Volumes[i].Projected != nil {
			vol = &spec.Volumes[i]
		}
	}
	if vol == nil || len(vol.Projected.Sources) != 3 || vol.Projected.Sources[0].ServiceAccountToken == nil ||
		vol.Projected.Sources[1].ConfigMap == nil || vol.Projected.Sources[1].ConfigMap.Name != "kube-root-ca.crt" ||
		vol.Projected.Sources[2].DownwardAPI == nil {
		t.Fatalf("no projected token, CA and namespace volume: %+v", spec.Volumes)
	}
	for _, c := range spec.InitContainers {
		if !mountsAt(c, vol.Name, "/var/run/secrets/kubernetes.io/serviceaccount") {
			t.Errorf("wait container %s lacks the token at the path kubectl reads", c.Name)
		}
	}
	if len(spec.InitContainers) != 2 {
		t.Errorf("%d init containers, want the two kubectl waits", len(spec.InitContainers))
	}
	for _, c := range spec.Containers {
		if mountsAt(c, vol.Name, "") {
			t.Errorf("app container %s mounts the token", c.Name)
		}
	}
}

func mountsAt(c corev1.Container, volume, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == volume && (path == "" || m.MountPath == path && m.ReadOnly) {
			return true
		}
	}
	return false
}

// Secrets and configs with no mode got Kubernetes' 0644; compose gives
// 0444. A mode compose sets is kept.
func TestSecretAndConfigModes(t *testing.T) {
	files, _ := convert(t, `services:
  app:
    image: a
    secrets: [pw, {source: key, mode: 0400}]
    configs: [conf]
secrets:
  pw: {file: ./pw.txt}
  key: {file: ./pw.txt}
configs:
  conf: {content: "x=1"}
`, "generic", Options{})
	spec := deployment(t, files, "app-deployment.yaml").Spec.Template.Spec
	want := map[string]int32{"pw": 0o444, "key": 0o400, "conf": 0o444}
	for _, v := range spec.Volumes {
		var items []corev1.KeyToPath
		switch {
		case v.Secret != nil:
			items = v.Secret.Items
		case v.ConfigMap != nil:
			items = v.ConfigMap.Items
		default:
			continue
		}
		for _, it := range items {
			if it.Mode == nil || *it.Mode != want[it.Key] {
				t.Errorf("%s: key %s has mode %v, want %#o", v.Name, it.Key, it.Mode, want[it.Key])
			}
			delete(want, it.Key)
		}
	}
	if len(want) > 0 {
		t.Errorf("not mounted: %v", want)
	}
}

// images-lock: a one-shot task (a Job) whose image EXPOSEs a port got a
// Service, which routes to pods that stop when the task is done. Ports
// compose names still make one, and a warning says why there is none.
func TestJobGetsNoServiceFromImagePorts(t *testing.T) {
	g := loadGraph(t, `services:
  migrate: {image: reg.example/api:1, restart: "no"}
  task: {image: reg.example/api:1, restart: "no", expose: ["9000"]}
`)
	g.Images = []translate.ImageFacts{{Ref: "reg.example/api:1", ExposedPorts: []string{"8080/tcp"}}}
	files, ds := Emit(g, Options{})
	names := map[string]bool{}
	for _, f := range files {
		names[f.Path] = true
	}
	if names["migrate-service.yaml"] {
		t.Errorf("the Job migrate has a Service from its image's EXPOSE")
	}
	if !names["task-service.yaml"] {
		t.Errorf("the Job task exposes 9000 in compose and has no Service")
	}
	if !strings.Contains(fmt.Sprint(ds), "service migrate runs as a Job; the ports its image exposes get no Service") {
		t.Errorf("no warning about migrate's missing Service:\n%v", ds)
	}
}

// A second `kubectl apply` of a StatefulSet printed "configured": the
// API server fills in apiVersion, kind, volumeMode and a Pending status in
// each claim template, and kubectl replaces that list whole when it
// differs. The templates now say what the server would store.
func TestClaimTemplateAsStored(t *testing.T) {
	files, _ := convert(t, `services:
  db:
    image: postgres
    deploy: {replicas: 2}
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data: {}
`, "generic", Options{})
	var sts appsv1.StatefulSet
	if err := yaml.Unmarshal([]byte(files["db-statefulset.yaml"]), &sts); err != nil || len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("no StatefulSet with one claim template (%v):\n%s", err, files["db-statefulset.yaml"])
	}
	tpl := sts.Spec.VolumeClaimTemplates[0]
	if tpl.APIVersion != "v1" || tpl.Kind != "PersistentVolumeClaim" || tpl.Spec.VolumeMode == nil ||
		*tpl.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || tpl.Status.Phase != corev1.ClaimPending {
		t.Errorf("the claim template lacks what the API server stores:\n%s", files["db-statefulset.yaml"])
	}
}

// kompose-labels' pma names a service account (kompose.serviceaccount-name)
// that the output does not create: on the cluster its ReplicaSet could not
// create a pod ("serviceaccount pma not found"), and nothing said so.
func TestForeignServiceAccountWarned(t *testing.T) {
	_, ds := convert(t, `services:
  app:
    image: a
    labels: {kompose.serviceaccount-name: robot}
`, "generic", Options{})
	if !strings.Contains(fmt.Sprint(ds), "runs as service account robot, which the output does not create") {
		t.Errorf("no warning that service account robot must exist:\n%v", ds)
	}
}

// A compose CPU limit without a reservation became a Kubernetes limit
// whose request defaulted to it: extends-include asked for 3 CPUs that
// compose never reserves, and on a 2-core node the pods waiting for the
// Job airflow-init held the CPU its pod needed. The request is now 0
// unless compose reserves some.
func TestCPULimitReservesNothing(t *testing.T) {
	files, _ := convert(t, `services:
  capped: {image: a, deploy: {resources: {limits: {cpus: "1"}}}}
  reserved: {image: b, deploy: {resources: {limits: {cpus: "2"}, reservations: {cpus: "0.5"}}}}
`, "generic", Options{})
	want := map[string]string{"capped": "0", "reserved": "500m"}
	for name, w := range want {
		c := deployment(t, files, name+"-deployment.yaml").Spec.Template.Spec.Containers[0]
		q, ok := c.Resources.Requests[corev1.ResourceCPU]
		if !ok || q.String() != w {
			t.Errorf("%s: cpu request %v (set: %v), want %s", name, q.String(), ok, w)
		}
	}
}
