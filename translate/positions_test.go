package translate

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

func TestLoadErrorPositions(t *testing.T) {
	const base = "services:\n  a:\n    image: busybox\n"
	tests := []struct {
		name     string
		files    map[string]string
		code     string
		file     string // the file the diagnostic must point into
		line     int
		col      int
		path     string
		msgParts []string
	}{
		{
			name:  "YAML scanner error",
			files: map[string]string{"compose.yaml": base + "    command: a: b\n"},
			code:  CodeYAML, file: "compose.yaml", line: 4, col: 15,
			msgParts: []string{"mapping values are not allowed"},
		},
		{
			name:  "YAML tab indentation",
			files: map[string]string{"compose.yaml": base + "\tports: []\n"},
			code:  CodeYAML, file: "compose.yaml", line: 4, col: 1,
			msgParts: []string{"tab"},
		},
		{
			name:  "YAML parser error is on the misindented line",
			files: map[string]string{"compose.yaml": base + "   ports: [1]\n"},
			code:  CodeYAML, file: "compose.yaml", line: 4, col: 4,
			msgParts: []string{"did not find expected key"},
		},
		{
			name: "YAML error in the override file",
			files: map[string]string{
				"compose.yaml":          base,
				"compose.override.yaml": "services:\n  a:\n    command: a: b\n",
			},
			code: CodeYAML, file: "compose.override.yaml", line: 3, col: 15,
		},
		{
			name:  "unknown service key",
			files: map[string]string{"compose.yaml": base + "    imagee: busybox\n"},
			code:  CodeUnknownKey, file: "compose.yaml", line: 4, col: 5, path: "services.a.imagee",
			msgParts: []string{`"imagee"`},
		},
		{
			name:  "unknown nested key",
			files: map[string]string{"compose.yaml": base + "    deploy:\n      resources:\n        limitz:\n          cpus: \"1\"\n"},
			code:  CodeUnknownKey, file: "compose.yaml", line: 6, col: 9, path: "services.a.deploy.resources.limitz",
			msgParts: []string{`"limitz"`},
		},
		{
			name:  "unknown top-level key",
			files: map[string]string{"compose.yaml": "servics:\n  a:\n    image: busybox\n"},
			code:  CodeUnknownKey, file: "compose.yaml", line: 1, col: 1, path: "servics",
			msgParts: []string{`"servics"`},
		},
		{
			name: "unknown key in the override file",
			files: map[string]string{
				"compose.yaml":          base,
				"compose.override.yaml": "services:\n  a:\n    restrat: always\n",
			},
			code: CodeUnknownKey, file: "compose.override.yaml", line: 3, col: 5, path: "services.a.restrat",
		},
		{
			name:  "ports is not a list",
			files: map[string]string{"compose.yaml": base + "    ports: \"80:80\"\n"},
			code:  CodeType, file: "compose.yaml", line: 4, col: 5, path: "services.a.ports",
			msgParts: []string{"list"},
		},
		{
			name:  "image is not a string",
			files: map[string]string{"compose.yaml": "services:\n  a:\n    image: [busybox]\n"},
			code:  CodeType, file: "compose.yaml", line: 3, col: 5, path: "services.a.image",
			msgParts: []string{"string"},
		},
		{
			name:  "bad port",
			files: map[string]string{"compose.yaml": base + "    ports:\n      - \"8080:8080\"\n      - \"80:abc\"\n"},
			code:  CodeValue, file: "compose.yaml", line: 6, col: 9, path: "services.a.ports[1]",
			msgParts: []string{"abc"},
		},
		{
			name: "bad port in the second service",
			files: map[string]string{"compose.yaml": base + "    ports:\n      - \"80:80\"\n" +
				"  b:\n    image: busybox\n    ports:\n      - \"70000:80\"\n"},
			code: CodeValue, file: "compose.yaml", line: 9, col: 9, path: "services.b.ports[0]",
			msgParts: []string{"70000"},
		},
		{
			name:  "undefined volume",
			files: map[string]string{"compose.yaml": base + "    volumes:\n      - ./x:/x\n      - missing:/data\n"},
			code:  CodeUndefined, file: "compose.yaml", line: 6, col: 9, path: "services.a.volumes[1]",
			msgParts: []string{`"missing"`},
		},
		{
			name:  "undefined volume, long syntax",
			files: map[string]string{"compose.yaml": base + "    volumes:\n      - type: volume\n        source: missing\n        target: /data\n"},
			code:  CodeUndefined, file: "compose.yaml", line: 6, col: 9, path: "services.a.volumes[0].source",
			msgParts: []string{`"missing"`},
		},
		{
			name:  "undefined network",
			files: map[string]string{"compose.yaml": base + "    networks:\n      - nonet\n"},
			code:  CodeUndefined, file: "compose.yaml", line: 5, col: 9, path: "services.a.networks[0]",
			msgParts: []string{`"nonet"`},
		},
		{
			name:  "undefined network, map form",
			files: map[string]string{"compose.yaml": base + "    networks:\n      front:\n        aliases: [x]\n"},
			code:  CodeUndefined, file: "compose.yaml", line: 5, col: 7, path: "services.a.networks.front",
			msgParts: []string{`"front"`},
		},
		{
			name:  "undefined secret",
			files: map[string]string{"compose.yaml": base + "    secrets:\n      - nosec\n"},
			code:  CodeUndefined, file: "compose.yaml", line: 5, col: 9, path: "services.a.secrets[0]",
			msgParts: []string{`"nosec"`},
		},
		{
			name:  "undefined config",
			files: map[string]string{"compose.yaml": base + "    configs:\n      - nocfg\n"},
			code:  CodeUndefined, file: "compose.yaml", line: 5, col: 9, path: "services.a.configs[0]",
			msgParts: []string{`"nocfg"`},
		},
		{
			name: "undefined volume used in the override file",
			files: map[string]string{
				"compose.yaml":          base,
				"compose.override.yaml": "services:\n  a:\n    volumes: [nov:/x]\n",
			},
			code: CodeUndefined, file: "compose.override.yaml", line: 3, col: 15, path: "services.a.volumes[0]",
			msgParts: []string{`"nov"`},
		},
		{
			name:  "missing env_file",
			files: map[string]string{"compose.yaml": base + "    env_file: missing.env\n"},
			code:  CodeEnvFile, file: "compose.yaml", line: 4, col: 15, path: "services.a.env_file",
			msgParts: []string{"missing.env"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, tc.files)
			d := mustFail(t, Options{ProjectDir: dir}, tc.code)
			wantPos(t, tc.code, d.Pos, diag.Pos{File: filepath.Join(dir, tc.file), Line: tc.line, Col: tc.col})
			if d.Path != tc.path {
				t.Errorf("path = %q, want %q", d.Path, tc.path)
			}
			for _, m := range tc.msgParts {
				if !strings.Contains(d.Message, m) {
					t.Errorf("message %q lacks %q", d.Message, m)
				}
			}
			if strings.Contains(d.Message, dir) {
				t.Errorf("message %q contains the host path %s", d.Message, dir)
			}
		})
	}
}

func TestLoadObsoleteVersion(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": "# a comment\nversion: \"3.8\"\nservices:\n  a:\n    image: busybox\n"})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if g == nil {
		t.Fatalf("version is only a warning:\n%s", diagText(ds))
	}
	ws := findDiags(ds, CodeObsoleteVersion)
	if len(ws) != 1 {
		t.Fatalf("want one TR101, got:\n%s", diagText(ds))
	}
	wantPos(t, "version", ws[0].Pos, diag.Pos{File: filepath.Join(dir, "compose.yaml"), Line: 2, Col: 1})
	if ws[0].Path != "version" || ws[0].Severity != diag.Warning {
		t.Errorf("TR101 = %+v", ws[0])
	}
	if len(findDiags(ds, CodeComposeWarning)) != 0 {
		t.Errorf("compose-go's own version warning must not also appear:\n%s", diagText(ds))
	}
}

func TestGraphPositions(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    ports:
      - "80:80"
      - target: 443
        published: "8443"
    expose: ["9000"]
    networks: [front]
volumes:
  data:
networks:
  front:
secrets:
  s:
    environment: SECRET_VAR
configs:
  c:
    content: hello
`})
	g := mustLoad(t, Options{ProjectDir: dir, Env: []string{"SECRET_VAR=x"}})
	web := svc(t, g, "web")
	checks := []struct {
		what string
		got  diag.Src
		want diag.Src
	}{
		{"service", web.Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 2, Col: 3}, Path: "services.web"}},
		{"short port", web.Ports[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 5, Col: 9}, Path: "services.web.ports[0]"}},
		{"long port", web.Ports[1].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 6, Col: 9}, Path: "services.web.ports[1]"}},
		{"expose", web.Expose[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 8, Col: 14}, Path: "services.web.expose[0]"}},
		{"network ref", web.Networks[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 9, Col: 16}, Path: "services.web.networks[0]"}},
		{"volume", g.Volumes[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 11, Col: 3}, Path: "volumes.data"}},
		{"network", g.Networks[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 13, Col: 3}, Path: "networks.front"}},
		{"secret", g.Secrets[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 15, Col: 3}, Path: "secrets.s"}},
		{"config", g.Configs[0].Src, diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 18, Col: 3}, Path: "configs.c"}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: src %+v, want %+v", c.what, c.got, c.want)
		}
	}
	if len(web.Ports) != 2 || web.Ports[1].Target != 443 || web.Ports[1].Published != "8443" {
		t.Errorf("ports = %+v", web.Ports)
	}
	if c := g.Configs[0]; c.Content == nil || *c.Content != "hello" {
		t.Errorf("config content = %v", c.Content)
	}
	if s := g.Secrets[0]; s.EnvVar != "SECRET_VAR" {
		t.Errorf("secret environment = %q", s.EnvVar)
	}
}

func TestDiagnosticFormat(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n    imagee: busybox\n"})
	d := mustFail(t, Options{ProjectDir: dir}, CodeUnknownKey)
	got := d.Format(dir)
	want := "compose.yaml:4:5: error[TR002]: services.a.imagee: "
	if !strings.HasPrefix(got, want) {
		t.Errorf("Format = %q, want prefix %q", got, want)
	}
	if full := d.Format(""); !strings.HasPrefix(full, filepath.ToSlash(filepath.Join(dir, "compose.yaml"))+":4:5: ") {
		t.Errorf("Format without base = %q", full)
	}

	var buf bytes.Buffer
	if err := (diag.Diagnostics{d}).WriteJSON(&buf, dir); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0]["file"] != "compose.yaml" || out[0]["line"] != 4.0 || out[0]["column"] != 5.0 ||
		out[0]["code"] != "TR002" || out[0]["severity"] != "error" || out[0]["path"] != "services.a.imagee" {
		t.Errorf("WriteJSON = %s", buf.Bytes())
	}
}

func TestDiagnosticsSorted(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  a:
    image: busybox
    labels:
      kompose.service.grup: x
      kompose.controller.type: pod
    environment:
      X: ${UNSET_ONE}
  b:
    image: busybox
    labels:
      kompose.service.account: y
`})
	_, ds := loadDiags(t, Options{ProjectDir: dir})
	if len(ds) != 4 {
		t.Fatalf("want 4 warnings, got:\n%s", diagText(ds))
	}
	var lines []int
	for _, d := range ds {
		lines = append(lines, d.Pos.Line)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i] < lines[i-1] {
			t.Errorf("diagnostics not sorted by line: %v\n%s", lines, diagText(ds))
		}
	}
	if ds[0].Code != CodeKomposeLabel || ds[0].Pos.Line != 5 || ds[2].Code != CodeUnsetVar || ds[2].Pos.Line != 8 {
		t.Errorf("unexpected order:\n%s", diagText(ds))
	}
}

// Before, a label list item without '=' (compose reads an empty value)
// was placed at the labels: key, with a map-style path.
func TestLabelItemWithoutValuePosition(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  a:
    image: busybox
    labels:
      - kompose.service.type=nodeport
      - kompose.hpa.cpu
`})
	_, ds := loadDiags(t, Options{ProjectDir: dir})
	for _, d := range ds {
		if d.Code == CodeKomposeValue && d.Path == "services.a.labels[1]" && d.Pos.Line == 6 && d.Pos.Col == 9 {
			return
		}
	}
	t.Errorf("want TR106 at 6:9 services.a.labels[1]:\n%s", diagText(ds))
}
