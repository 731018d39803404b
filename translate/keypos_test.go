package translate

import (
	"path/filepath"
	"testing"

	"github.com/transship/transship/diag"
)

// Positions pointed at the service instead of the key written: the
// targets' limits (BAT108) and ulimits (K8S105) warnings, and the ports
// a range expands into (ports[2] of "90-91" written as ports[1] fell
// back to `ports:`).
func TestKeyLevelPositions(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    ports: ["8080:80", "90-91:90-91/udp"]
    ulimits:
      nofile: 1024
    deploy:
      resources:
        limits: {cpus: "1"}
  old:
    image: nginx
    mem_limit: 1g
  app:
    build:
      context: ./app
`})
	g := mustLoad(t, Options{Files: []string{filepath.Join(dir, "compose.yaml")}})
	web, old, app := svc(t, g, "web"), svc(t, g, "old"), svc(t, g, "app")
	f := "compose.yaml"
	checks := []struct {
		what string
		got  diag.Src
		want diag.Src
	}{
		{"web limits", web.LimitsSrc, diag.Src{Pos: diag.Pos{File: f, Line: 9, Col: 9}, Path: "services.web.deploy.resources.limits"}},
		{"old mem_limit", old.LimitsSrc, diag.Src{Pos: diag.Pos{File: f, Line: 12, Col: 5}, Path: "services.old.mem_limit"}},
		{"web ulimits", web.UlimitsSrc, diag.Src{Pos: diag.Pos{File: f, Line: 5, Col: 5}, Path: "services.web.ulimits"}},
		{"app build", app.BuildSrc, diag.Src{Pos: diag.Pos{File: f, Line: 14, Col: 5}, Path: "services.app.build"}},
		{"port 90", web.Ports[1].Src, diag.Src{Pos: diag.Pos{File: f, Line: 4, Col: 24}, Path: "services.web.ports[1]"}},
		{"port 91", web.Ports[2].Src, diag.Src{Pos: diag.Pos{File: f, Line: 4, Col: 24}, Path: "services.web.ports[1]"}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %+v, want %+v", c.what, c.got, c.want)
		}
	}
}
