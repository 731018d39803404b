package cluster

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// TestPod: the cluster runs a pod from an imported image, and the pod
// reaches the API server through the kubernetes Service by name (CoreDNS,
// kube-proxy, the ServiceAccount token and the CA all have to be right).
func TestPod(t *testing.T) {
	c := Require(t)
	t.Logf("cluster started in %v", c.Started.Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pod := `apiVersion: v1
kind: Pod
metadata: {name: hello, namespace: default}
spec:
  restartPolicy: Never
  containers:
  - name: hello
    image: ` + WaitImage + `
    command: [sh, -c, 'nc -z -w 5 kubernetes.default.svc.cluster.local 443 && echo api reachable']
  - name: kubectl
    image: ` + KubectlImage + `
    args: [version]
`
	if _, err := c.Kubectl(ctx, strings.NewReader(pod), "apply", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	if phase := waitPodDone(ctx, t, c, "default", "hello"); phase != "Succeeded" {
		out, err := c.Kubectl(ctx, nil, "logs", "pod/hello", "-c", "hello")
		t.Fatalf("pod hello %s; logs (%v):\n%s%s", phase, err, out, c.Logs())
	}
	for ctr, want := range map[string]string{"hello": "api reachable", "kubectl": "Server Version: v1.37.2"} {
		out, err := c.Kubectl(ctx, nil, "logs", "pod/hello", "-c", ctr)
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("logs of %s: %q (%v), want %q", ctr, out, err, want)
		}
	}
}

// waitPodDone waits until the pod has Succeeded or Failed and returns the
// phase.
func waitPodDone(ctx context.Context, t *testing.T, c *Cluster, ns, pod string) string {
	t.Helper()
	for {
		out, err := c.Kubectl(ctx, nil, "get", "pod", pod, "-n", ns, "-o", "jsonpath={.status.phase}")
		if p := string(out); err == nil && (p == "Succeeded" || p == "Failed") {
			return p
		}
		select {
		case <-ctx.Done():
			desc, _ := c.Kubectl(context.Background(), nil, "describe", "pod", pod, "-n", ns)
			t.Fatalf("pod %s/%s not done: %v\n%s", ns, pod, ctx.Err(), desc)
		case <-time.After(time.Second):
		}
	}
}
