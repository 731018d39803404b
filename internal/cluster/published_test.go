package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Published ports (issue 16 item 4), seen from the node: on egi-im the
// published port is the node port; on generic the LoadBalancer Service
// (whose address stays pending here: no load-balancer controller) answers
// on the node port the cluster gave it; and no node port leads to an
// expose-only or a loopback-bound port. busybox's httpd plays the app,
// serving a different page on each port.

const publishedNodePort = 31080 // no example publishes it: no lock needed

var publishedCompose = fmt.Sprintf(`services:
  web:
    image: %s
    command: ["sh", "-c", "for p in published expose loopback; do mkdir -p /tmp/$$p && echo $$p-page > /tmp/$$p/index.html; done; httpd -p 9100 -h /tmp/expose; httpd -p 9200 -h /tmp/loopback; exec httpd -f -p 8080 -h /tmp/published"]
    ports: ["%d:8080", "127.0.0.1:9200:9200"]
    expose: ["9100"]
`, WaitImage, publishedNodePort)

func TestPublishedPortsOnTheNode(t *testing.T) {
	c := Require(t)
	for _, site := range []string{"egi-im", "generic"} {
		t.Run(site, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			ns := "x-published-" + site
			publishedProject(t, ctx, c, ns, site)
			ports := nodePorts(t, ctx, c, ns)
			if site == "egi-im" && (len(ports) != 1 || ports[0] != fmt.Sprint(publishedNodePort)) {
				t.Fatalf("node ports %v, want only the published %d", ports, publishedNodePort)
			}
			if len(ports) != 1 {
				t.Fatalf("node ports %v, want one: the published port's (expose-only and loopback ports open none)", ports)
			}
			// Every node port of the namespace serves the published page.
			for _, p := range ports {
				if body := getOnNode(t, ctx, p); !strings.Contains(body, "published-page") {
					t.Errorf("node port %s serves %q, not the published port's page", p, body)
				}
			}
		})
	}
}

// publishedProject converts the project for site into namespace ns,
// applies it and waits for the Deployment.
func publishedProject(t *testing.T, ctx context.Context, c *Cluster, ns, site string) {
	t.Helper()
	komposeProject(t, ctx, c, ns, publishedCompose, siteArgs(site)...)
	if b, err := c.Kubectl(ctx, nil, "rollout", "status", "-n", ns, "deployment/web", "--timeout=150s"); err != nil {
		ev, _ := c.Kubectl(context.Background(), nil, "get", "events", "-n", ns)
		t.Fatalf("web not ready: %v\n%s\n%s", err, b, ev)
	}
}

// nodePorts lists every node port of the namespace's Services.
func nodePorts(t *testing.T, ctx context.Context, c *Cluster, ns string) []string {
	t.Helper()
	out, err := c.Kubectl(ctx, nil, "get", "services", "-n", ns, "-o", "jsonpath={range .items[*]}{range .spec.ports[*]}{.nodePort} {end}{end}")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// getOnNode GETs / on the node's address at port, retrying while the
// node's rules catch up with the Service.
func getOnNode(t *testing.T, ctx context.Context, port string) string {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{Proxy: nil}} // the node, never a proxy
	var last error
	for {
		resp, err := client.Get("http://" + nodeIP + ":" + port + "/")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("node port %s does not answer: %v", port, last)
		case <-time.After(2 * time.Second):
		}
	}
}
