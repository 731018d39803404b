package kubernetes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
)

// convert loads a compose file written to a temporary project and emits
// it with the given site profile.
func convert(t *testing.T, compose, profile string, o Options) (map[string]string, diag.Diagnostics) {
	t.Helper()
	g := loadGraph(t, compose)
	prof, pds := site.Load(profile, nil)
	if pds.HasErrors() {
		t.Fatal(pds)
	}
	o.Site = prof.Kubernetes
	files, eds := Emit(g, o)
	out := map[string]string{}
	for _, f := range files {
		out[f.Path] = string(f.Data)
	}
	return out, eds
}

func mustContain(t *testing.T, files map[string]string, file string, wants ...string) {
	t.Helper()
	got, ok := files[file]
	if !ok {
		t.Fatalf("no %s among %v", file, keys(files))
	}
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", file, w, got)
		}
	}
}

func keys(m map[string]string) []string { return sortedKeys(m) }

func hasCode(ds diag.Diagnostics, code string) bool {
	for _, d := range ds {
		if d.Code == code {
			return true
		}
	}
	return false
}

func TestContainer(t *testing.T) {
	files, _ := convert(t, `
services:
  web:
    image: nginx
    entrypoint: ["/bin/sh", "-c"]
    command: "echo $$(date) and $$HOME"
    environment:
      PRICE: "$$(not expanded)"
      PLAIN: "$$HOME"
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 512M}
        reservations: {memory: 1536M}
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost || exit 1"]
      interval: 15s
      start_period: 60s
`, "generic", Options{})
	mustContain(t, files, "web-deployment.yaml",
		"cpu: 500m", "memory: 512Mi", "memory: 1536Mi", // never raw bytes
		`value: "$$(not expanded)"`, `value: "$HOME"`, // Kubernetes expands $(VAR); compose does not
		"- echo\n            - \"$$(date)\"\n            - and\n            - \"$HOME\"", // split as compose splits
		"readinessProbe:", "livenessProbe:", "- sh\n                - -c\n                - \"curl -f http://localhost || exit 1\"",
		"startupProbe:", "failureThreshold: 13", "periodSeconds: 5")
}

func TestHealthcheckDisabled(t *testing.T) {
	files, _ := convert(t, "services:\n  a:\n    image: x\n    healthcheck:\n      test: [\"NONE\"]\n", "generic", Options{})
	if strings.Contains(files["a-deployment.yaml"], "Probe") {
		t.Errorf("a disabled healthcheck gave probes:\n%s", files["a-deployment.yaml"])
	}
}

func TestWorkloadKinds(t *testing.T) {
	files, ds := convert(t, `
services:
  migrate: {image: m, restart: "no"}
  once: {image: o}
  agent: {image: a, deploy: {mode: global}}
  db:
    image: postgres
    deploy: {replicas: 3}
    volumes: [data:/var/lib/postgresql/data]
  web:
    image: w
    depends_on:
      once: {condition: service_completed_successfully}
      migrate: {condition: service_completed_successfully}
volumes:
  data:
`, "generic", Options{})
	for _, f := range []string{"migrate-job.yaml", "once-job.yaml", "agent-daemonset.yaml", "db-statefulset.yaml", "web-deployment.yaml",
		"p-wait-serviceaccount.yaml", "p-wait-role.yaml", "p-wait-rolebinding.yaml"} {
		if _, ok := files[f]; !ok {
			t.Errorf("no %s among %v", f, keys(files))
		}
	}
	mustContain(t, files, "web-deployment.yaml", "serviceAccountName: p-wait", "- job/migrate", "- job/once", "- --for=condition=complete")
	mustContain(t, files, "db-statefulset.yaml", "volumeClaimTemplates:", "replicas: 3")
	if !hasCode(ds, CodeReplicaData) {
		t.Errorf("replicas that cannot share a volume gave no %s: %v", CodeReplicaData, ds)
	}
}

func TestSharedVolumeOnSites(t *testing.T) {
	compose := `
services:
  a: {image: a, volumes: [shared:/s]}
  b: {image: b, volumes: [shared:/s]}
volumes:
  shared:
`
	files, ds := convert(t, compose, "generic", Options{})
	mustContain(t, files, "shared-persistentvolumeclaim.yaml", "- ReadWriteMany")
	if !hasCode(ds, CodeSharedStorage) {
		t.Errorf("generic site: no %s warning: %v", CodeSharedStorage, ds)
	}
	files, ds = convert(t, compose, "egi-im", Options{})
	mustContain(t, files, "shared-persistentvolumeclaim.yaml", "- ReadWriteMany", "storageClassName: managed-nfs-storage")
	if hasCode(ds, CodeSharedStorage) {
		t.Errorf("egi-im names a shared class, yet: %v", ds)
	}
}

func TestNameCollision(t *testing.T) {
	_, ds := convert(t, "services:\n  web_1: {image: a}\n  web-1: {image: b}\n", "generic", Options{})
	if !ds.HasErrors() || !hasCode(ds, CodeNameCollision) {
		t.Fatalf("want a %s error, got %v", CodeNameCollision, ds)
	}
}

func TestLongNames(t *testing.T) {
	long := strings.Repeat("very_long_service_name_", 4)
	files, _ := convert(t, "services:\n  "+long+": {image: a, ports: [\"80\"]}\n", "generic", Options{})
	for f := range files {
		if name := strings.TrimSuffix(f, "-deployment.yaml"); name != f && (len(name) > maxName || dnsName(name, maxName) != name) {
			t.Errorf("workload name %q is not a valid name of at most %d characters", name, maxName)
		}
	}
	if dnsName(long, maxName) == dnsName(long+"x", maxName) {
		t.Error("two long names collide after shortening")
	}
}

func TestSecretsFromEnvironment(t *testing.T) {
	compose := `
services:
  a: {image: a, secrets: [token]}
secrets:
  token: {environment: TOKEN}
`
	files, ds := convert(t, compose, "generic", Options{})
	if _, ok := files["token-secret.yaml"]; ok || !hasCode(ds, CodeNotEmbedded) {
		t.Errorf("an environment secret was embedded without being asked: %v", ds)
	}
	mustContain(t, files, "a-deployment.yaml", "mountPath: /run/secrets/token", "secretName: token")
	files, _ = convert(t, compose, "generic", Options{SecretValues: map[string][]byte{"token": []byte("s3cret")}})
	mustContain(t, files, "token-secret.yaml", "token: czNjcmV0")
}

func TestLoadBalancerRefusedOnEGI(t *testing.T) {
	compose := "services:\n  a:\n    image: a\n    ports: [\"5432:5432\"]\n    labels: {kompose.service.type: loadbalancer}\n"
	files, ds := convert(t, compose, "egi-im", Options{})
	mustContain(t, files, "a-service.yaml", "type: NodePort")
	if strings.Contains(files["a-service.yaml"], "LoadBalancer") || !hasCode(ds, CodeServiceType) {
		t.Errorf("LoadBalancer on egi-im: %v\n%s", ds, files["a-service.yaml"])
	}
}

func TestDeterministic(t *testing.T) {
	compose := `
services:
  web: {image: w, ports: ["80:80"], networks: [front, back], x-transship: {expose: true}}
  db: {image: d, networks: [back], volumes: [data:/d]}
networks: {front: {}, back: {internal: true}}
volumes: {data: {}}
`
	a, _ := convert(t, compose, "egi-im", Options{})
	b, _ := convert(t, compose, "egi-im", Options{})
	if len(a) != len(b) {
		t.Fatal("different file sets")
	}
	for k := range a {
		if !bytes.Equal([]byte(a[k]), []byte(b[k])) {
			t.Errorf("%s differs between runs", k)
		}
	}
	mustContain(t, a, "db-egress-networkpolicy.yaml", "- Egress", "port: 53")
	mustContain(t, a, "network-back-networkpolicy.yaml", "network.transship.io/back: \"true\"")
}
