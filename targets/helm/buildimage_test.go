package helm

import (
	"strings"
	"testing"

	"github.com/transship/transship/targets/kubernetes"
)

// TestBuiltImagePrefix: the chart's image value of a service with build:
// and no image: is <prefix>/<project>-<service> under --image-prefix, and
// in every site's values too.
func TestBuiltImagePrefix(t *testing.T) {
	g := load(t, "services:\n  web:\n    build: ./web\n")
	files, ds := Emit(g, Options{Kubernetes: kubernetes.Options{ImagePrefix: "registry.example.org/ci"}, Sites: BuiltinSites(nil)})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	n, values := 0, ""
	for _, f := range files {
		if f.Path == "values.yaml" {
			values = string(f.Data)
		}
		if strings.HasPrefix(f.Path, "values") && strings.HasSuffix(f.Path, ".yaml") {
			n++
			if strings.Contains(string(f.Data), "repository:") && !strings.Contains(string(f.Data), `repository: "registry.example.org/ci/p-web"`) {
				t.Errorf("%s has another repository:\n%s", f.Path, f.Data)
			}
		}
	}
	if !strings.Contains(values, `repository: "registry.example.org/ci/p-web"`) || n < 2 {
		t.Errorf("values.yaml lacks the prefixed repository (%d values files)", n)
	}
}
