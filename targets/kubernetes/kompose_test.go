package kubernetes

import (
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

// Each kompose label below was a TR103 "not honoured" warning before, and
// its output was what the compose file gives without it.

func TestKomposeCronJob(t *testing.T) {
	files, ds := convert(t, `services:
  backup:
    image: busybox
    command: ["sh", "-c", "date"]
    restart: "no"
    labels:
      kompose.cronjob.schedule: "*/5 * * * *"
      kompose.cronjob.backoff_limit: "2"
  app:
    image: x
    depends_on: [backup]
`, "generic", Options{})
	mustContain(t, files, "backup-cronjob.yaml", "kind: CronJob", "apiVersion: batch/v1", "schedule: \"*/5 * * * *\"",
		"concurrencyPolicy: Forbid", "backoffLimit: 2", "restartPolicy: Never")
	if _, ok := files["backup-job.yaml"]; ok {
		t.Error("a scheduled service is also a Job")
	}
	if strings.Contains(files["app-deployment.yaml"], "wait-for-backup") || strings.Contains(files["app-deployment.yaml"], "succeeded-backup") {
		t.Errorf("app waits for a CronJob:\n%s", files["app-deployment.yaml"])
	}
	if !hasCodeAt(ds, CodeWait, "services.app.depends_on[0]") {
		t.Errorf("no warning that the CronJob is not awaited: %v", ds)
	}
}

func TestKomposeAutoscaler(t *testing.T) {
	files, ds := convert(t, `services:
  web:
    image: nginx
    ports: ["80"]
    deploy:
      replicas: 2
      resources: {reservations: {cpus: "0.5"}}
    labels:
      kompose.hpa.cpu: "80"
      kompose.hpa.replicas.max: "6"
  cache:
    image: redis
    deploy: {mode: global}
    labels:
      kompose.hpa.memory: 512Mi
`, "generic", Options{})
	mustContain(t, files, "web-horizontalpodautoscaler.yaml", "apiVersion: autoscaling/v2", "kind: HorizontalPodAutoscaler",
		"kind: Deployment", "name: web", "minReplicas: 2", "maxReplicas: 6", "averageUtilization: 80", "name: cpu")
	if strings.Contains(files["web-horizontalpodautoscaler.yaml"], "memory") {
		t.Errorf("a memory metric nobody asked for (kompose's bug):\n%s", files["web-horizontalpodautoscaler.yaml"])
	}
	if strings.Contains(files["web-deployment.yaml"], "replicas:") {
		t.Errorf("the Deployment sets replicas the autoscaler owns:\n%s", files["web-deployment.yaml"])
	}
	if !hasCodeAt(ds, CodeKompose, "services.cache.labels.kompose.hpa.memory") {
		t.Errorf("no K8S150 that the DaemonSet cache cannot be autoscaled: %v", ds)
	}
	if anyDiag(ds, CodeKompose, func(d diag.Diagnostic) bool { return strings.HasPrefix(d.Path, "services.web") }) {
		t.Errorf("web reserves CPU, so its autoscaler can compute: %v", ds)
	}
}

// Before, a pod shared with a container that requests no CPU got a
// Resource (whole-pod) CPU utilisation metric, which the HPA controller
// cannot compute ("missing request for cpu in container ...").
func TestKomposeAutoscalerOfASharedPod(t *testing.T) {
	files, ds := convert(t, `services:
  web:
    image: nginx
    ports: ["80"]
    deploy: {resources: {reservations: {cpus: "0.5"}}}
    labels: {kompose.hpa.cpu: "80", kompose.service.group: web}
  metrics:
    image: exporter
    labels: {kompose.service.group: web}
`, "generic", Options{})
	mustContain(t, files, "web-horizontalpodautoscaler.yaml", "type: ContainerResource", "container: web", "name: cpu", "averageUtilization: 80")
	if strings.Contains(files["web-horizontalpodautoscaler.yaml"], "type: Resource") {
		t.Errorf("a whole-pod metric over a container without a CPU request:\n%s", files["web-horizontalpodautoscaler.yaml"])
	}
	if hasCode(ds, CodeKompose) {
		t.Errorf("web reserves CPU: no K8S150: %v", ds)
	}
}

func TestKomposeAutoscalerRefusedForDaemonSet(t *testing.T) {
	files, ds := convert(t, "services:\n  agent:\n    image: x\n    deploy: {mode: global}\n    labels:\n      kompose.hpa.cpu: \"50\"\n", "generic", Options{})
	if _, ok := files["agent-horizontalpodautoscaler.yaml"]; ok {
		t.Error("a DaemonSet got an autoscaler")
	}
	if !hasCodeAt(ds, CodeKompose, "services.agent.labels.kompose.hpa.cpu") {
		t.Errorf("no %s warning: %v", CodeKompose, ds)
	}
}

func TestKomposeAutoscalerWarnsWithoutRequests(t *testing.T) {
	files, ds := convert(t, "services:\n  web:\n    image: x\n    ports: [\"80\"]\n    labels:\n      kompose.hpa.replicas.min: \"2\"\n", "generic", Options{})
	mustContain(t, files, "web-horizontalpodautoscaler.yaml", "averageUtilization: 50", "minReplicas: 2", "maxReplicas: 3")
	if !hasCodeAt(ds, CodeKompose, "services.web.labels.kompose.hpa.replicas.min") {
		t.Errorf("no warning that the CPU request is missing: %v", ds)
	}
}

func TestKomposeProbes(t *testing.T) {
	files, _ := convert(t, `services:
  web:
    image: x
    ports: ["8080:80"]
    healthcheck: {test: ["CMD", "true"], interval: 7s}
    labels:
      kompose.service.healthcheck.readiness.http_get_path: /ready
      kompose.service.healthcheck.readiness.start_period: 20s
      kompose.service.healthcheck.liveness.tcp_port: "80"
      kompose.service.healthcheck.liveness.retries: "9"
  db:
    image: y
    healthcheck: {test: ["CMD", "pg_isready"]}
    labels:
      kompose.service.healthcheck.readiness.disable: "true"
      kompose.service.healthcheck.liveness.test: '["CMD-SHELL", "pg_isready -q"]'
`, "generic", Options{})
	web := files["web-deployment.yaml"]
	for _, w := range []string{"readinessProbe:\n            failureThreshold: 3\n            httpGet:\n              path: /ready\n              port: 80\n            initialDelaySeconds: 20\n            periodSeconds: 7",
		"livenessProbe:\n            failureThreshold: 9\n            periodSeconds: 7\n            tcpSocket:\n              port: 80"} {
		if !strings.Contains(web, w) {
			t.Errorf("web lacks %q:\n%s", w, web)
		}
	}
	db := files["db-deployment.yaml"]
	if strings.Contains(db, "readinessProbe") || !strings.Contains(db, "- pg_isready -q") {
		t.Errorf("db: readiness must be gone and liveness run through sh:\n%s", db)
	}
}

func TestKomposePodLabels(t *testing.T) {
	files, ds := convert(t, `services:
  web:
    image: x
    ports: ["8080:80"]
    volumes: [data:/data, "./missing:/m"]
    labels:
      kompose.init.containers.image: busybox:1.37
      kompose.init.containers.command: '["sh", "-c", "echo ready"]'
      kompose.ephemeral-storage.request: 1Gi
      kompose.ephemeral-storage.limit: 2Gi
      kompose.controller.port.expose: "true"
      kompose.volume.subpath: web
      kompose.service.name_override: frontend
volumes:
  data:
    labels:
      kompose.volume.selector: fast-disk
`, "generic", Options{})
	mustContain(t, files, "frontend-deployment.yaml", "name: init-frontend", "image: busybox:1.37", "- echo ready",
		"ephemeral-storage: 1Gi", "ephemeral-storage: 2Gi", "hostPort: 8080", "mountPath: /data\n              name: data\n              subPath: web")
	mustContain(t, files, "frontend-service.yaml", "name: frontend")
	mustContain(t, files, "data-persistentvolumeclaim.yaml", "selector:\n    matchLabels:\n      io.kompose.service: fast-disk")
	if strings.Contains(files["frontend-deployment.yaml"], "mountPath: /m\n              name: missing\n              subPath") {
		t.Error("the subpath applies to a bind mount")
	}
	if !hasCodeAt(ds, CodeRenamed, "services.web") || !hasCodeAt(ds, CodeKompose, "volumes.data") {
		t.Errorf("want warnings for the renamed service and the selector: %v", ds)
	}
}

func TestKomposeNodePortNeedsType(t *testing.T) {
	files, ds := convert(t, "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n    labels:\n      kompose.service.nodeport.port: \"30080\"\n", "generic", Options{})
	if strings.Contains(files["web-service.yaml"], "nodePort") {
		t.Errorf("a node port on a ClusterIP Service:\n%s", files["web-service.yaml"])
	}
	if !hasCodeAt(ds, CodeKompose, "services.web.labels.kompose.service.nodeport.port") {
		t.Errorf("no warning that the node port is unused: %v", ds)
	}
	files, _ = convert(t, "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n    labels:\n      kompose.service.type: nodeport\n      kompose.service.nodeport.port: \"30080\"\n      kompose.service.external-traffic-policy: local\n", "generic", Options{})
	mustContain(t, files, "web-service.yaml", "type: NodePort", "nodePort: 30080", "externalTrafficPolicy: Local")
}

// kompose.service.nodeport.port is checked against the site's node port
// range, not the Kubernetes default: 33111 is refused by the API server of
// a default cluster but is in egi-im's 80-35000. Before, translate refused
// anything outside 30000-32767 for every site.
func TestKomposeNodePortInTheSiteRange(t *testing.T) {
	compose := "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n    labels:\n      kompose.service.type: nodeport\n      kompose.service.nodeport.port: \"33111\"\n"
	files, ds := convert(t, compose, "egi-im", Options{})
	mustContain(t, files, "web-service.yaml", "type: NodePort", "nodePort: 33111")
	if hasCodeAt(ds, CodeKompose, "services.web.labels.kompose.service.nodeport.port") {
		t.Errorf("egi-im holds 33111, yet: %v", ds)
	}
	files, ds = convert(t, compose, "generic", Options{})
	if strings.Contains(files["web-service.yaml"], "nodePort: 33111") {
		t.Errorf("a node port outside generic's 30000-32767:\n%s", files["web-service.yaml"])
	}
	if !hasCodeAt(ds, CodeKompose, "services.web.labels.kompose.service.nodeport.port") {
		t.Errorf("no warning that 33111 is outside the site's range: %v", ds)
	}
}

// An autoscaled service may run several pods: its volume is shared, as
// that of a replicated one, not a single-node claim that holds the
// second pod Pending.
func TestKomposeAutoscaledVolumeIsShared(t *testing.T) {
	files, ds := convert(t, "services:\n  web:\n    image: x\n    volumes: [data:/data]\n    labels:\n      kompose.hpa.replicas.max: \"4\"\nvolumes:\n  data: {}\n", "generic", Options{})
	mustContain(t, files, "data-persistentvolumeclaim.yaml", "ReadWriteMany")
	if strings.Contains(files["web-deployment.yaml"], "Recreate") || !hasCode(ds, CodeSharedStorage) {
		t.Errorf("want a shared claim and its warning: %v\n%s", ds, files["web-deployment.yaml"])
	}
}

// Where users cannot create namespaces (egi-rancher), the output holds
// none and says so; before, it always did, and kubectl apply failed there.
func TestNoNamespaceObject(t *testing.T) {
	const c = "x-transship: {namespace: shop}\nservices:\n  web: {image: x}\n"
	files, _ := convert(t, c, "generic", Options{})
	mustContain(t, files, "shop-namespace.yaml", "kind: Namespace")
	files, ds := convert(t, c, "egi-rancher", Options{})
	if _, ok := files["shop-namespace.yaml"]; ok || !hasCode(ds, CodeNamespace) {
		t.Errorf("egi-rancher: want no Namespace and %s: %v %v", CodeNamespace, keys(files), ds)
	}
	mustContain(t, files, "kustomization.yaml", "namespace: shop")
}

// --tls asks for TLS on Ingresses made by --expose, which only
// x-transship could before.
func TestTLSFlag(t *testing.T) {
	files, _ := convert(t, "services:\n  web: {image: x, ports: [\"8080:80\"]}\n", "egi-im", Options{Expose: []string{"web"}, TLS: true})
	mustContain(t, files, "web-ingress.yaml", "tls:", "secretName: web-tls", "cert-manager.io/cluster-issuer")
}

// Before: K8S123 said "DNS names allow only a-z, 0-9 and '-'" of a name
// cut for length only; a label list item without '=' was placed at the
// labels: key; a CronJob with restart: always also got K8S129 calling it a
// Job; deploy.replicas: 0 with an autoscaler became minReplicas 1 silently.
func TestKomposeMessagesAndPositions(t *testing.T) {
	long := strings.Repeat("a", 58)
	_, ds := convert(t, "services:\n  "+long+":\n    image: x\n    restart: always\n    labels: {kompose.cronjob.schedule: \"@hourly\"}\n", "generic", Options{})
	if !anyDiag(ds, CodeRenamed, func(d diag.Diagnostic) bool {
		return strings.Contains(d.Message, "at most 52 characters") && !strings.Contains(d.Message, "allow only")
	}) {
		t.Errorf("K8S123 should give the length as the reason: %v", ds)
	}
	if hasCode(ds, CodeRestart) || !hasCodeAt(ds, CodeKompose, "services."+long+".restart") {
		t.Errorf("want K8S150 for restart: always of a CronJob and no K8S129 calling it a Job: %v", ds)
	}
	files, ds := convert(t, `services:
  web:
    image: x
    ports: ["80"]
    deploy: {replicas: 0}
    labels:
      - kompose.hpa.replicas.max=4
      - kompose.hpa.cpu
`, "generic", Options{})
	mustContain(t, files, "web-horizontalpodautoscaler.yaml", "minReplicas: 1")
	if !hasCodeAt(ds, CodeKompose, "services.web.deploy.replicas") {
		t.Errorf("no K8S150 that replicas: 0 becomes minReplicas 1: %v", ds)
	}
	if !anyDiag(ds, CodeKompose, func(d diag.Diagnostic) bool { return d.Path == "services.web.labels[1]" && d.Pos.Line == 8 }) {
		t.Errorf("the label without '=' is placed at its item, 8:9 labels[1]: %v", ds)
	}
}
