package kubernetes

import (
	"testing"

	"github.com/transship/transship/diag"
)

// TestBadLabelKeyPointsAtTheLabel: K8S130 is placed at the label it drops,
// in the map and in the list form; it was placed at the service's labels
// key, so a service with many labels left the reader to find which.
func TestBadLabelKeyPointsAtTheLabel(t *testing.T) {
	for _, c := range []struct {
		name, compose, path string
		line, col           int
	}{
		{"map", `services:
  web:
    image: x
    ports: ["80"]
    labels:
      good.example/key: "1"
      "bad key!": "2"
`, "services.web.labels.bad key!", 7, 7},
		{"list", `services:
  web:
    image: x
    ports: ["80"]
    labels:
      - good.example/key=1
      - bad key!=2
`, "services.web.labels[1]", 7, 9},
	} {
		files, ds := convert(t, c.compose, "generic", Options{})
		if !anyDiag(ds, CodeLabel, func(d diag.Diagnostic) bool {
			return d.Path == c.path && d.Pos.Line == c.line && d.Pos.Col == c.col
		}) {
			t.Errorf("%s: want K8S130 at %s %d:%d: %v", c.name, c.path, c.line, c.col, ds)
		}
		mustContain(t, files, "web-deployment.yaml", "good.example/key")
	}
}
