package kubernetes

import (
	"strings"
	"testing"
)

// TestBuiltImagePrefix: a service with build: and no image: runs
// <project>-<service>, under --image-prefix when given; K8S102 names the
// final image at the build: key.
func TestBuiltImagePrefix(t *testing.T) {
	compose := "services:\n  web:\n    build: ./web\n"
	for _, c := range []struct{ prefix, image string }{
		{"", "p-web"},
		{"registry.example.org/ci", "registry.example.org/ci/p-web"},
	} {
		files, ds := convert(t, compose, "generic", Options{ImagePrefix: c.prefix})
		mustContain(t, files, "web-deployment.yaml", "image: "+c.image+"\n")
		var found bool
		for _, d := range ds {
			if d.Code == CodeBuildOnly {
				found = true
				if d.Path != "services.web.build" || d.Pos.Line != 3 || !strings.Contains(d.Message, `"`+c.image+`"`) {
					t.Errorf("K8S102 at %s %d:%d: %s; want services.web.build at line 3 naming %s", d.Path, d.Pos.Line, d.Pos.Col, d.Message, c.image)
				}
			}
		}
		if !found {
			t.Errorf("prefix %q: no K8S102", c.prefix)
		}
	}
}
