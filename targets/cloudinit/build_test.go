package cloudinit

import (
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

// buildOnly is a project with a service the VM can build (its context is
// the project, which also holds a secret), one built elsewhere and one
// with an image.
var buildOnly = map[string]string{
	"compose.yaml": `services:
  app:
    build: .
    secrets: [pw]
  both:
    build: .
    image: example/both:1
secrets:
  pw:
    file: ./secrets/pw.txt
`,
	"Dockerfile":     "FROM busybox:1.37\nCOPY page.html /www/\n",
	"page.html":      "<p>built on the VM</p>\n",
	"secrets/pw.txt": "s3cret\n",
}

// TestBuildOnly: a service with build: and no image: converts (it was
// refused with CI002). Its context, inside the project, travels in the
// user-data, and the unit builds it before starting the app; a secret in
// the context stays out under --secrets prompt, and the compose file is
// transship's, not the context's copy.
func TestBuildOnly(t *testing.T) {
	g, o := load(t, buildOnly)
	o.Secrets = "prompt"
	data, ds := emit(t, g, o)
	c := codes(ds)
	t.Log("\n" + c)
	if ds.HasErrors() || !strings.Contains(c, `CI106 services.app.build: service app is built from . and names no image; the build context travels in the user-data (3 files) and the VM builds "demo-app"`) ||
		!strings.Contains(c, "CI103 services.both") {
		t.Fatalf("want CI106 for app at its build: key, CI103 for both, no error:\n%s", c)
	}
	if d := find(ds, CodeBuilt); d.Pos.Line != 3 || d.Pos.Col != 5 {
		t.Errorf("CI106 at %d:%d, want 3:5 (build:)", d.Pos.Line, d.Pos.Col)
	}
	for _, f := range []string{"/opt/demo/Dockerfile", "/opt/demo/page.html"} {
		if writeFile(t, data, f) == nil {
			t.Errorf("%s not shipped", f)
		}
	}
	if writeFile(t, data, "/opt/demo/secrets/pw.txt") != nil || strings.Contains(string(data), "s3cret") {
		t.Error("the secret travels in the user-data with the build context")
	}
	if strings.Count(string(data), "path: /opt/demo/compose.yaml\n") != 1 || writeFile(t, data, "/opt/demo/compose.yaml")["permissions"] != "0600" {
		t.Error("compose.yaml is written twice, or not transship's 0600 one")
	}
	unit := writeFile(t, data, "/etc/systemd/system/transship-demo.service")["content"].(string)
	if !strings.Contains(unit, "-f compose.yaml build app; else") || strings.Contains(unit, "compose.transship.yaml") {
		t.Errorf("the unit does not build app, or has an override:\n%s", unit)
	}
	cloudInitSchema(t, data)
}

// TestBuildOnlyPulled: where the VM cannot build, compose.transship.yaml
// drops the build and names the image, which the VM pulls: under
// --image-prefix, with a context outside the project or holding a git
// repository, or a context too big for the user-data.
func TestBuildOnlyPulled(t *testing.T) {
	big := incompressible(62000)
	for _, c := range []struct {
		name, prefix, image, why string
		files                    map[string]string
	}{
		{"prefix", "registry.example.org/ci", "registry.example.org/ci/demo-app", "--image-prefix says the builds are pushed", map[string]string{"compose.yaml": "services:\n  app:\n    build: ./app\n", "app/Dockerfile": "FROM scratch\n"}},
		{"outside", "", "demo-app", "its build context ../elsewhere is outside the project", map[string]string{"compose.yaml": "services:\n  app:\n    build: ../elsewhere\n"}},
		{"git", "", "demo-app", "it holds a git repository (.git)", map[string]string{"compose.yaml": "services:\n  app:\n    build: ./app\n", "app/Dockerfile": "FROM scratch\n", "app/.git/HEAD": "ref: main\n"}},
		{"too-big", "", "demo-app", "its build context does not fit in the user-data", map[string]string{"compose.yaml": "services:\n  app:\n    build: ./app\n    volumes: [./data.txt:/data.txt]\n",
			"app/Dockerfile": "FROM scratch\n", "app/blob": big[:42000], "data.txt": big[42000:]}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, o := load(t, c.files)
			o.ImagePrefix = c.prefix
			data, ds := emit(t, g, o)
			msg := codes(ds)
			if ds.HasErrors() || !strings.Contains(msg, "CI106 services.app.build: ") || !strings.Contains(msg, c.why) || !strings.Contains(msg, `the VM pulls "`+c.image+`"`) {
				t.Fatalf("want CI106 saying %q and pulling %s:\n%s", c.why, c.image, msg)
			}
			ov := writeFile(t, data, "/opt/demo/compose.transship.yaml")
			want := "services:\n  app:\n    build: !reset null\n    image: " + c.image + "\n"
			if ov == nil || !strings.Contains(ov["content"].(string), want) {
				t.Fatalf("override: %v, want it to hold:\n%s", ov, want)
			}
			unit := writeFile(t, data, "/etc/systemd/system/transship-demo.service")["content"].(string)
			if strings.Contains(unit, " build ") || !strings.Contains(unit, "-f compose.yaml -f compose.transship.yaml up -d") {
				t.Errorf("the unit builds, or runs without the override:\n%s", unit)
			}
			if writeFile(t, data, "/opt/demo/app/Dockerfile") != nil {
				t.Error("the context is shipped although the VM pulls")
			}
			cloudInitSchema(t, data)
		})
	}
}

func find(ds diag.Diagnostics, code string) diag.Diagnostic {
	for _, d := range ds {
		if d.Code == code {
			return d
		}
	}
	return diag.Diagnostic{}
}

// incompressible is n random-looking bytes from a fixed generator, which
// gzip cannot shrink much.
func incompressible(n int) string {
	var b strings.Builder
	x := uint32(1)
	for b.Len() < n {
		x = x*1664525 + 1013904223
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x>>16%36])
	}
	return b.String()
}

// TestBuildOnlySharedAndUpperCase (review4 F2, F3): two services built
// from one context both say how many files travel (the second said 0),
// and a service named Api is built as demo-api, the name its override
// gives it: compose would tag demo-Api, which docker refuses.
func TestBuildOnlySharedAndUpperCase(t *testing.T) {
	g, o := load(t, map[string]string{
		"compose.yaml":   "services:\n  Api:\n    build: ./app\n  web:\n    build: ./app\n",
		"app/Dockerfile": "FROM busybox:1.37\n",
	})
	data, ds := emit(t, g, o)
	c := codes(ds)
	for _, want := range []string{
		`CI106 services.Api.build: service Api is built from app and names no image; the build context travels in the user-data (1 file) and the VM builds "demo-api"`,
		`CI106 services.web.build: service web is built from app and names no image; the build context travels in the user-data (1 file) and the VM builds "demo-web"`,
	} {
		if !strings.Contains(c, want) {
			t.Errorf("no %s in:\n%s", want, c)
		}
	}
	ov := writeFile(t, data, "/opt/demo/compose.transship.yaml")
	if ov == nil || !strings.Contains(ov["content"].(string), "services:\n  Api:\n    image: demo-api\n") || strings.Contains(ov["content"].(string), "web:") {
		t.Fatalf("override: %v, want Api's image demo-api and nothing for web", ov)
	}
	unit := writeFile(t, data, "/etc/systemd/system/transship-demo.service")["content"].(string)
	if !strings.Contains(unit, "-f compose.yaml -f compose.transship.yaml build Api web;") {
		t.Errorf("the unit does not build both with the override:\n%s", unit)
	}
	cloudInitSchema(t, data)
}
