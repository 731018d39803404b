package kubernetes

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// Regression tests for what a real cluster showed (issue 13): each fails
// on the emitter as it was before the plan settled every service first.

// A port-less dependency whose name sorts after its dependent was awaited
// with an empty host ("until nslookup  ..."), which never passes.
func TestWaitHostSetWhateverTheOrder(t *testing.T) {
	files, _ := convert(t, "services:\n  a: {image: alpine, command: sleep 1d, depends_on: [b]}\n  b: {image: alpine, command: sleep 1d}\n", "generic", Options{})
	a := files["a-deployment.yaml"]
	if strings.Contains(a, "nslookup  ") || !strings.Contains(a, "nslookup b.$(NAMESPACE).svc.cluster.local") {
		t.Errorf("a's wait for b has no host or a short one:\n%s", a)
	}
	mustContain(t, files, "a-deployment.yaml", "fieldPath: metadata.namespace", "name: NAMESPACE")
	mustContain(t, files, "b-service.yaml", "clusterIP: None")
}

// busybox's nslookup fails on short names against CoreDNS: a port-less
// dependency is looked up fully qualified; one with a TCP port is
// connected to, whichever port comes first in the file.
func TestWaitChecks(t *testing.T) {
	files, _ := convert(t, `services:
  app:
    image: x
    depends_on: [db, dns, worker]
  db: {image: postgres, ports: ["5353/udp", "5432"]}
  dns: {image: coredns, expose: ["53/udp"]}
  worker: {image: w, restart: always}
`, "generic", Options{})
	mustContain(t, files, "app-deployment.yaml",
		"until nc -z -w 2 db 5432 >/dev/null",
		"until nslookup dns.$(NAMESPACE).svc.cluster.local >/dev/null",
		"until nslookup worker.$(NAMESPACE).svc.cluster.local >/dev/null")
	// A UDP-only dependency's Service is headless, so its name resolves
	// only once a pod is ready: a ClusterIP would resolve at once.
	mustContain(t, files, "dns-service.yaml", "clusterIP: None", "protocol: UDP")
	if strings.Contains(files["db-service.yaml"], "clusterIP: None") {
		t.Errorf("db has a TCP port; its Service need not be headless:\n%s", files["db-service.yaml"])
	}
}

// A server with restart: on-failure, ports and a healthcheck became a
// Job, so a service_healthy dependent waited for condition=complete
// forever, and its Service routed to a Job's pods.
func TestServerWithRestartOnFailureIsLongRunning(t *testing.T) {
	files, ds := convert(t, `services:
  api:
    image: x
    restart: on-failure
    ports: ["8080"]
    healthcheck: {test: ["CMD", "true"]}
  web:
    image: y
    depends_on: {api: {condition: service_healthy}}
`, "generic", Options{})
	mustContain(t, files, "api-deployment.yaml", "kind: Deployment")
	mustContain(t, files, "web-deployment.yaml", "until nc -z -w 2 api 8080")
	if strings.Contains(files["web-deployment.yaml"], "condition=complete") {
		t.Errorf("web waits for api to complete:\n%s", files["web-deployment.yaml"])
	}
	if !hasCodeAt(ds, CodeRestart, "services.api.restart") {
		t.Errorf("no %s warning at services.api.restart: %v", CodeRestart, ds)
	}
}

// A task stays a Job: restart "no" with nothing served, or awaited for
// completion; an image's EXPOSE alone does not make it a server.
func TestTasksStayJobs(t *testing.T) {
	files, ds := convert(t, `services:
  migrate: {image: x, restart: "no"}
  seed: {image: x}
  app:
    image: y
    ports: ["80"]
    depends_on: {seed: {condition: service_completed_successfully}}
`, "generic", Options{})
	mustContain(t, files, "migrate-job.yaml", "kind: Job")
	mustContain(t, files, "seed-job.yaml", "kind: Job")
	if hasCode(ds, CodeWorkloadKind) {
		t.Errorf("unexpected %s: %v", CodeWorkloadKind, ds)
	}
}

// A service with no restart:, ports or healthcheck became a Deployment,
// restarted forever, with no word: the guess is now a warning.
func TestFiniteGuessWarns(t *testing.T) {
	files, ds := convert(t, "services:\n  once: {image: alpine, command: echo hi}\n  web: {image: nginx, ports: [\"80\"]}\n", "generic", Options{})
	mustContain(t, files, "once-deployment.yaml", "kind: Deployment")
	if !hasCodeAt(ds, CodeWorkloadKind, "services.once") {
		t.Errorf("no %s warning for once: %v", CodeWorkloadKind, ds)
	}
	if hasCodeAt(ds, CodeWorkloadKind, "services.web") {
		t.Errorf("web serves a port; no %s expected: %v", CodeWorkloadKind, ds)
	}
}

// A failed Job left its dependents waiting for condition=complete in
// silence: now the wait ends when the Job finishes either way, and a
// check that names the Job fails when it did not complete.
func TestJobWaitEndsOnFailure(t *testing.T) {
	files, ds := convert(t, `services:
  migrate: {image: x, restart: "no"}
  app:
    image: y
    depends_on: {migrate: {condition: service_completed_successfully}}
`, "generic", Options{})
	mustContain(t, files, "app-deployment.yaml",
		"--for=jsonpath={.status.conditions[-1:].status}=True", "--timeout=-1s",
		"name: succeeded-migrate", "--for=condition=complete", "--timeout=60s", "job/migrate")
	if !hasCodeAt(ds, CodeJobFailure, "services.app.depends_on.migrate") {
		t.Errorf("no %s warning: %v", CodeJobFailure, ds)
	}
}

// `-o -` streams the files in the order Emit returns them: sorted by name,
// the Namespace came after the objects in it, and one `kubectl apply -f -`
// failed on an empty cluster.
func TestFilesInApplyOrder(t *testing.T) {
	g := loadGraph(t, `name: shop
x-transship: {namespace: shop}
services:
  a: {image: x, depends_on: {z: {condition: service_completed_successfully}}}
  z: {image: x, restart: "no"}
`)
	files, _ := Emit(g, Options{Site: site.Kubernetes{CreateNamespace: true}})
	var kinds []string
	for _, f := range files {
		kinds = append(kinds, kindOf(f))
	}
	want := []string{"Namespace", "ServiceAccount", "Role", "RoleBinding"}
	if len(kinds) < len(want)+1 || strings.Join(kinds[:len(want)], ",") != strings.Join(want, ",") {
		t.Fatalf("files start with kinds %v, want %v first", kinds, want)
	}
	if last := files[len(files)-1].Path; last != Kustomization {
		t.Errorf("last file is %s, want the kustomization", last)
	}
	// The kustomization still lists the resources by name.
	k := string(files[len(files)-1].Data)
	if strings.Index(k, "a-deployment.yaml") > strings.Index(k, "shop-namespace.yaml") {
		t.Errorf("kustomization resources not sorted by name:\n%s", k)
	}
}

func kindOf(f targets.File) string {
	for _, l := range strings.Split(string(f.Data), "\n") {
		if k, ok := strings.CutPrefix(l, "kind: "); ok {
			return k
		}
	}
	return ""
}

// anyDiag: some diagnostic of code satisfies ok.
func anyDiag(ds diag.Diagnostics, code string, ok func(d diag.Diagnostic) bool) bool {
	for _, d := range ds {
		if d.Code == code && ok(d) {
			return true
		}
	}
	return false
}

func hasCodeAt(ds diag.Diagnostics, code, path string) bool {
	for _, d := range ds {
		if d.Code == code && d.Path == path {
			return true
		}
	}
	return false
}

func loadGraph(t *testing.T, compose string) *translate.Graph {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	return loadGraphDir(t, dir)
}

// loadGraphDir loads the project in dir.
func loadGraphDir(t *testing.T, dir string) *translate.Graph {
	t.Helper()
	g, ds := translate.Load(context.Background(), translate.Options{ProjectDir: dir, ProjectName: "p"})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	return g
}

// The plan is decided once and only read by rendering: rendering one plan
// twice gives the same bytes and the same warnings (a renderer that
// changed the plan, say by appending to a service's aliases or waits,
// would not), so a second renderer can share it.
func TestRenderLeavesThePlanAlone(t *testing.T) {
	g := loadGraph(t, `x-transship: {namespace: shop}
services:
  web:
    image: nginx
    ports: ["80:80"]
    volumes: [data:/data, ./site.conf:/etc/site.conf]
    networks: {front: {aliases: [www]}}
    depends_on:
      db: {condition: service_healthy}
      seed: {condition: service_completed_successfully}
  db: {image: postgres, healthcheck: {test: ["CMD", "true"]}, networks: [front]}
  seed: {image: x, restart: "no"}
volumes: {data: {}}
networks: {front: {}}
`)
	p, ds := decide(g, Options{WaitImage: DefaultWaitImage, KubectlImage: DefaultKubectlImage})
	if p == nil {
		t.Fatal(ds)
	}
	first, ds1 := render(p)
	second, ds2 := render(p)
	if len(first) != len(second) || len(ds1) != len(ds2) {
		t.Fatalf("second render: %d files, %d warnings; first: %d, %d", len(second), len(ds2), len(first), len(ds1))
	}
	for i := range first {
		if first[i].Path != second[i].Path || !bytes.Equal(first[i].Data, second[i].Data) {
			t.Errorf("%s differs between two renders of one plan", first[i].Path)
		}
	}
}

// --expose nosuch exited 0 and exposed nothing, in silence.
func TestExposeUnknownService(t *testing.T) {
	g := loadGraph(t, "services:\n  web: {image: nginx, ports: [\"80\"]}\n  db: {image: postgres}\n")
	files, ds := Emit(g, Options{Expose: []string{"web", "wbe"}})
	if files != nil || !ds.HasErrors() {
		t.Fatalf("want an error, got %d files, %v", len(files), ds)
	}
	if d := ds[len(ds)-1]; d.Code != CodeNoSuchService || d.Path != "--expose" || !strings.Contains(d.Message, "wbe") || !strings.Contains(d.Message, "db, web") {
		t.Errorf("diagnostic: %+v", d)
	}
	if _, ds := Emit(g, Options{Expose: []string{"*", "web"}}); ds.HasErrors() {
		t.Errorf("known names refused: %v", ds)
	}
}
