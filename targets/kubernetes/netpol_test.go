package kubernetes

import (
	"strings"
	"testing"
)

// Before, the published policy admitted what the old rule called
// published: a loopback-bound port, which compose keeps on the host, was
// open to every namespace, and a "9100" port, which the published
// Service serves, was dropped on a CNI that enforces policies.
func TestPublishedPolicyMatchesPublishedService(t *testing.T) {
	const compose = `services:
  web:
    image: nginx
    ports: ["127.0.0.1:9001:9001", "9100"]
  api:
    image: nginx
    ports: ["127.0.0.1:7001:7001", "7002:7002"]
    labels:
      kompose.service.type: nodeport
`
	for _, site := range []string{"generic", "egi-im"} {
		files, _ := convert(t, compose, site, Options{})
		mustContain(t, files, "web-published-service.yaml", "port: 9100")
		pol := files["web-published-networkpolicy.yaml"]
		if !strings.Contains(pol, "port: 9100") || strings.Contains(pol, "9001") {
			t.Errorf("%s: web's published policy does not admit exactly 9100:\n%s", site, pol)
		}
		// An explicit type: every published port but the loopback one.
		pol = files["api-published-networkpolicy.yaml"]
		if !strings.Contains(pol, "port: 7002") || strings.Contains(pol, "7001") {
			t.Errorf("%s: api's published policy does not admit exactly 7002:\n%s", site, pol)
		}
	}
}
