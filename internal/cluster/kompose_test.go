package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What the kompose labels (issue 16) change in what runs, seen on the
// cluster: a CronJob fires, and the services of one group are containers
// of one pod that reach each other on localhost. The busybox wait image
// plays the apps; its nc is the stand-in's.

// komposeProject converts compose into namespace ns (with more convert
// flags, such as --site) and applies it; the namespace goes when the test
// ends.
func komposeProject(t *testing.T, ctx context.Context, c *Cluster, ns, compose string, flags ...string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &suite{c: c, cli: buildCLI(t, c)}
	out := filepath.Join(c.Dir, "out", ns)
	args := append([]string{"convert", "--to", "kubernetes", "--namespace", ns, "-f", filepath.Join(dir, "compose.yaml"), "-o", out}, flags...)
	if _, err := s.convert(ctx, args...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
	if b, err := c.Kubectl(ctx, nil, "apply", "-k", out); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}

// waitLogs polls the logs of the pods labelled app=name (container ctr)
// until they hold want.
func waitLogs(t *testing.T, ctx context.Context, c *Cluster, ns, name, ctr, want string) {
	t.Helper()
	for {
		out, _ := c.Kubectl(ctx, nil, "logs", "-n", ns, "-l", "app.kubernetes.io/name="+name, "-c", ctr, "--tail=20")
		if strings.Contains(string(out), want) {
			return
		}
		select {
		case <-ctx.Done():
			pods, _ := c.Kubectl(context.Background(), nil, "get", "pods,jobs,cronjobs", "-n", ns, "-o", "wide")
			ev, _ := c.Kubectl(context.Background(), nil, "get", "events", "-n", ns)
			t.Fatalf("no %q in the logs of %s/%s: %v\n%s\n%s\n%s", want, name, ctr, ctx.Err(), out, pods, ev)
		case <-time.After(3 * time.Second):
		}
	}
}

// A schedule of every minute fires within two: its Job's pod prints.
func TestKomposeCronJobFires(t *testing.T) {
	c := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	komposeProject(t, ctx, c, "x-kompose-cron", `services:
  tick:
    image: `+WaitImage+`
    command: ["sh", "-c", "echo fired"]
    restart: "no"
    labels:
      kompose.cronjob.schedule: "* * * * *"
`)
	waitLogs(t, ctx, c, "x-kompose-cron", "tick", "tick", "fired")
	// A Job of its own would print too (what the service was without the
	// label): the Job that ran must be the CronJob's.
	owners, err := c.Kubectl(ctx, nil, "get", "jobs", "-n", "x-kompose-cron", "-o", "jsonpath={.items[*].metadata.ownerReferences[*].kind}")
	if err != nil || !strings.Contains(string(owners), "CronJob") {
		t.Errorf("the Job that printed is not a CronJob's: owners %q (%v)", owners, err)
	}
}

// The two services of a group run in one pod: the client reaches the
// server's port on 127.0.0.1, which only a shared network namespace
// allows.
func TestKomposeGroupSharesLocalhost(t *testing.T) {
	c := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	komposeProject(t, ctx, c, "x-kompose-group", `services:
  server:
    image: `+WaitImage+`
    command: ["sh", "-c", "mkdir -p /tmp/w && echo grouped > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"]
    expose: ["8080"]
    labels: {kompose.service.group: pair}
  client:
    image: `+WaitImage+`
    command: ["sh", "-c", "until nc -z -w 2 127.0.0.1 8080; do sleep 1; done; echo reached localhost; exec sleep 3600"]
    labels: {kompose.service.group: pair}
`)
	// server has the port, so the pod is server's.
	waitLogs(t, ctx, c, "x-kompose-group", "server", "client", "reached localhost")
	out, err := c.Kubectl(ctx, nil, "get", "pods", "-n", "x-kompose-group", "-o", "jsonpath={range .items[*]}{.metadata.name}:{range .spec.containers[*]}{.name},{end};{end}")
	if err != nil || strings.Count(string(out), ";") != 1 || !strings.Contains(string(out), "server,client,") {
		t.Errorf("want one pod with containers server and client, got %q (%v)", out, err)
	}
}
