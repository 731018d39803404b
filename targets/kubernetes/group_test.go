package kubernetes

import (
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

// Before, a service with network_mode: service:X became a workload of its
// own with warning K8S109, cut off from X by the NetworkPolicy, and a
// kompose.service.group was TR103 "not honoured".

func TestNetworkModeServiceSharesThePod(t *testing.T) {
	files, ds := convert(t, `services:
  vpn:
    image: vpn
    ports: ["1194:1194/udp"]
  app:
    image: app
    network_mode: service:vpn
    expose: ["8080"]
    depends_on: [vpn]
  client:
    image: c
    depends_on: [app]
`, "generic", Options{})
	if _, ok := files["app-deployment.yaml"]; ok {
		t.Error("app has a workload of its own")
	}
	vpn := files["vpn-deployment.yaml"]
	for _, w := range []string{"image: vpn", "image: app", "name: app", "containerPort: 8080", "containerPort: 1194"} {
		if !strings.Contains(vpn, w) {
			t.Errorf("vpn's pod lacks %q:\n%s", w, vpn)
		}
	}
	if strings.Contains(vpn, "wait-for-vpn") {
		t.Errorf("a container of vpn's pod waits for vpn:\n%s", vpn)
	}
	mustContain(t, files, "vpn-service.yaml", "port: 8080", "port: 1194")
	// app has a port: its own Service selects the shared pod.
	mustContain(t, files, "app-service.yaml", "app.kubernetes.io/name: vpn", "port: 8080")
	mustContain(t, files, "client-deployment.yaml", "until nc -z -w 2 app 8080")
	if hasCode(ds, CodeNetworkMode) {
		t.Errorf("network_mode service: is no longer unsupported: %v", ds)
	}
}

func TestKomposeServiceGroup(t *testing.T) {
	files, ds := convert(t, `services:
  web:
    image: nginx
    ports: ["8080:80"]
    volumes: [logs:/var/log/nginx]
    healthcheck: {test: ["CMD", "true"]}
    labels: {kompose.service.group: front}
  shipper:
    image: busybox
    command: ["tail", "-F", "/logs/access.log"]
    volumes: [logs:/logs:ro]
    depends_on: [web]
    hostname: other
    labels: {kompose.service.group: front}
volumes:
  logs: {}
`, "generic", Options{})
	if _, ok := files["shipper-deployment.yaml"]; ok {
		t.Errorf("the pod is the group's service with ports, web; got %v", keys(files))
	}
	pod := files["web-deployment.yaml"]
	for _, w := range []string{"image: nginx", "image: busybox", "readinessProbe", "mountPath: /logs", "mountPath: /var/log/nginx", "claimName: logs"} {
		if !strings.Contains(pod, w) {
			t.Errorf("the group's pod lacks %q:\n%s", w, pod)
		}
	}
	if strings.Count(pod, "claimName: logs") != 1 || strings.Contains(pod, "wait-for-web") {
		t.Errorf("the volume is listed once, and no container waits for its own pod:\n%s", pod)
	}
	// One pod uses the volume: a single-node claim, not a shared one.
	mustContain(t, files, "logs-persistentvolumeclaim.yaml", "ReadWriteOnce")
	mustContain(t, files, "web-service.yaml", "app.kubernetes.io/name: web", "port: 80")
	if _, ok := files["shipper-service.yaml"]; ok {
		t.Error("shipper has no ports and nobody waits for it: no Service")
	}
	if !hasCodeAt(ds, CodeWait, "services.shipper.depends_on[0]") {
		t.Errorf("no warning that shipper starts with web, not after it: %v", ds)
	}
	if !hasCodeAt(ds, CodeGroup, "services.shipper.hostname") || hasCode(ds, CodeSharedStorage) {
		t.Errorf("want K8S151 for the member's hostname and no shared storage warning: %v", ds)
	}
}

func TestGroupPortConflict(t *testing.T) {
	_, ds := convert(t, `services:
  a: {image: x, ports: ["80"], labels: {kompose.service.group: g}}
  b: {image: y, expose: ["80"], labels: {kompose.service.group: g}}
`, "generic", Options{})
	if !hasCodeAt(ds, CodeGroup, "services.b.expose[0]") {
		t.Errorf("no K8S151 for two containers on port 80: %v", ds)
	}
}

// Before, a peer of a service sharing a Job's pod waited for job/<member>,
// which does not exist (the Job has the pod owner's name), and K8S118 said
// the member "runs as a Job". Nothing warned that a member with ports keeps
// the Job from ever completing.
func TestWaitForMemberOfAJobPod(t *testing.T) {
	files, ds := convert(t, `services:
  main:
    image: m
    restart: "no"
  side:
    image: s
    ports: ["80"]
    network_mode: service:main
  peer:
    image: p
    depends_on: {side: {condition: service_healthy}}
`, "generic", Options{})
	mustContain(t, files, "main-job.yaml", "name: main", "image: s")
	peer := files["peer-deployment.yaml"]
	if strings.Contains(peer, "job/side") || strings.Count(peer, "job/main") != 2 {
		t.Errorf("peer must wait for job/main, the Job that runs side:\n%s", peer)
	}
	if anyDiag(ds, CodeWait, func(d diag.Diagnostic) bool { return strings.Contains(d.Message, "service side runs as a Job") }) {
		t.Errorf("a warning says side runs as a Job of its own: %v", ds)
	}
	saidJob := anyDiag(ds, CodeWait, func(d diag.Diagnostic) bool { return strings.Contains(d.Message, "Job main") })
	saidMember := anyDiag(ds, CodeGroup, func(d diag.Diagnostic) bool {
		return d.Path == "services.side.ports" && strings.Contains(d.Message, "never completes")
	})
	if !saidJob || !saidMember {
		t.Errorf("want K8S118 naming Job main and K8S151 for side's ports in a Job's pod: %v", ds)
	}
}

// Before, the depends_on compose adds for network_mode (a on b here) made
// b a headless Service selecting c's pod, and K8S118 warned that a does
// not wait for b, a depends_on nobody wrote.
func TestNetworkModeChainAddsNothing(t *testing.T) {
	files, ds := convert(t, `services:
  a: {image: a, network_mode: "service:b"}
  b: {image: b, network_mode: "service:c"}
  c: {image: c, ports: ["80"]}
`, "generic", Options{})
	if _, ok := files["b-service.yaml"]; ok {
		t.Errorf("b has no ports and nobody wrote a depends_on on it: no Service:\n%s", files["b-service.yaml"])
	}
	if hasCode(ds, CodeWait) {
		t.Errorf("no depends_on was written, so no K8S118: %v", ds)
	}
	// One the user wrote is still warned about.
	_, ds = convert(t, `services:
  a: {image: a, network_mode: "service:b", depends_on: [b]}
  b: {image: b, ports: ["80"]}
`, "generic", Options{})
	if !hasCodeAt(ds, CodeWait, "services.a.depends_on[0]") {
		t.Errorf("want K8S118 for the depends_on a wrote: %v", ds)
	}
}
