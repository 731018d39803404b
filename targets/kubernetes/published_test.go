package kubernetes

import (
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

const publishedCompose = `services:
  web:
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:9000:9000"
    expose: ["9100"]
  ssh:
    image: git
    ports: ["2222:22", "80:8080", "40000:4000"]
  other:
    image: git
    ports: ["2222:2222/tcp"]
  admin:
    image: adminer
    ports: ["[::1]:8081:8080"]
`

// Before, generic left every published port on a ClusterIP Service (the
// profile's load_balancer = true was unused), and egi-im turned the whole
// Service into a NodePort, opening expose-only and loopback ports on the
// node too, on node ports the cluster picked.
func TestPublishedLoadBalancerOnGeneric(t *testing.T) {
	files, ds := convert(t, publishedCompose, "generic", Options{})
	mustContain(t, files, "web-published-service.yaml", "type: LoadBalancer", "port: 8080", "targetPort: tcp-80")
	for _, no := range []string{"9000", "9100", "nodePort"} {
		if strings.Contains(files["web-published-service.yaml"], no) {
			t.Errorf("web-published holds %s:\n%s", no, files["web-published-service.yaml"])
		}
	}
	if svc := files["web-service.yaml"]; strings.Contains(svc, "type:") || !strings.Contains(svc, "port: 9100") || !strings.Contains(svc, "port: 9000") {
		t.Errorf("web's own Service is not a ClusterIP Service with every port:\n%s", svc)
	}
	if _, ok := files["admin-published-service.yaml"]; ok {
		t.Error("a port published on ::1 only gets a LoadBalancer")
	}
	if !anyDiag(ds, CodePublished, func(d diag.Diagnostic) bool {
		return d.Path == "services.web.ports[0]" && strings.Contains(d.Message, "LoadBalancer Service web-published") && strings.Contains(d.Message, "pending")
	}) {
		t.Errorf("no warning saying where web's 8080 went: %v", ds)
	}
	if !hasCodeAt(ds, CodePublished, "services.web.ports[1]") || !hasCodeAt(ds, CodePublished, "services.admin.ports[0]") {
		t.Errorf("no warning that the loopback ports stay inside the cluster: %v", ds)
	}
}

func TestPublishedNodePortOnEGI(t *testing.T) {
	files, ds := convert(t, publishedCompose, "egi-im", Options{})
	mustContain(t, files, "web-published-service.yaml", "type: NodePort", "nodePort: 8080", "port: 8080")
	// Services are planned in the Graph's (sorted) order: other takes 2222.
	mustContain(t, files, "other-published-service.yaml", "type: NodePort", "nodePort: 2222")
	mustContain(t, files, "ssh-published-service.yaml", "type: NodePort", "port: 2222", "port: 80", "port: 40000")
	if ssh := files["ssh-published-service.yaml"]; strings.Contains(ssh, "nodePort:") {
		t.Errorf("a taken, reserved or out-of-range node port is asked for:\n%s", ssh)
	}
	if strings.Contains(files["web-service.yaml"], "NodePort") {
		t.Errorf("web's own Service opens every port on the node:\n%s", files["web-service.yaml"])
	}
	for _, at := range []string{"services.ssh.ports[0]", "services.ssh.ports[1]", "services.ssh.ports[2]"} {
		if !hasCodeAt(ds, CodePublished, at) {
			t.Errorf("no warning at %s: %v", at, ds)
		}
	}
	if hasCodeAt(ds, CodePublished, "services.web.ports[0]") {
		t.Errorf("a warning for a port that opens where compose opens it: %v", ds)
	}
}

// kompose.service.type asks for one Service of that type: it wins.
func TestPublishedExplicitTypeWins(t *testing.T) {
	files, _ := convert(t, `services:
  web:
    image: nginx
    ports: ["8080:80"]
    labels:
      kompose.service.type: nodeport
      kompose.service.nodeport.port: "30080"
`, "generic", Options{})
	mustContain(t, files, "web-service.yaml", "type: NodePort", "nodePort: 30080")
	if _, ok := files["web-published-service.yaml"]; ok {
		t.Error("an explicit Service type gets a published Service too")
	}
}

// Before, on a site with neither LoadBalancer nor NodePort Services each
// published port got two K8S156 warnings that contradict each other: one
// sending it to a LoadBalancer, one keeping it inside the cluster.
func TestPublishedOneWarningOnClusterIPSite(t *testing.T) {
	files, ds := convert(t, publishedCompose, "egi-rancher", Options{})
	if svc := files["ssh-published-service.yaml"]; !strings.Contains(svc, "type: ClusterIP") {
		t.Errorf("ssh-published is not ClusterIP on egi-rancher:\n%s", svc)
	}
	for _, at := range []string{"services.web.ports[0]", "services.ssh.ports[0]", "services.ssh.ports[1]", "services.ssh.ports[2]", "services.other.ports[0]"} {
		var got []string
		for _, d := range ds {
			if d.Code == CodePublished && d.Path == at {
				got = append(got, d.Message)
			}
		}
		if len(got) != 1 || !strings.Contains(got[0], "stays inside the cluster, on ClusterIP Service") {
			t.Errorf("%s: want one K8S156 keeping the port inside the cluster, got %q", at, got)
		}
	}
}

// On egi-im a published port the node itself listens on (the API
// server's 6443, the kubelet's 10250) is not made a node port: kube-proxy
// would take it over on every node. The cluster picks another (K8S156).
func TestPublishedPortsSpareTheNodesOwn(t *testing.T) {
	files, ds := convert(t, "services:\n  web:\n    image: x\n    ports: [\"6443:6443\", \"10250:10250\", \"8080:8080\"]\n", "egi-im", Options{})
	svc := files["web-published-service.yaml"]
	if strings.Contains(svc, "nodePort: 6443") || strings.Contains(svc, "nodePort: 10250") || !strings.Contains(svc, "nodePort: 8080") {
		t.Errorf("node ports:\n%s", svc)
	}
	n := 0
	for _, d := range ds {
		if d.Code == CodePublished && strings.Contains(d.Message, "the site reserves it") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("want 2 K8S156 for the reserved ports, got %d: %v", n, ds)
	}
}

// A port compose binds to one address of its host (a LAN-only bind) opens
// on every address once it is a LoadBalancer or NodePort Service: the
// warning says so, where before it read like any other published port.
// On a site that keeps it on ClusterIP nothing opens, so nothing is said.
func TestPublishedOneAddressWarns(t *testing.T) {
	const compose = "services:\n  db:\n    image: postgres\n    ports: [\"192.168.1.10:5432:5432\", \"0.0.0.0:5433:5433\", \"[::]:5434:5434\"]\n"
	for site, want := range map[string]bool{"generic": true, "egi-im": true, "egi-rancher": false} {
		_, ds := convert(t, compose, site, Options{})
		lan := func(at string) bool {
			return anyDiag(ds, CodePublished, func(d diag.Diagnostic) bool {
				return d.Path == at && strings.Contains(d.Message, "one address of the compose host")
			})
		}
		if lan("services.db.ports[0]") != want {
			t.Errorf("%s: warning for the LAN-only port = %v, want %v: %v", site, !want, want, ds)
		}
		if lan("services.db.ports[1]") || lan("services.db.ports[2]") {
			t.Errorf("%s: a wildcard bind is warned as one address: %v", site, ds)
		}
	}
}
