package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/diag"
)

// writeFiles writes files (project-relative name -> content) under dir,
// creating directories as needed.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// project writes files into a fresh temporary directory and returns it.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	return dir
}

// mustLoad loads opts and fails the test on any error diagnostic.
func mustLoad(t *testing.T, opts Options) *Graph {
	t.Helper()
	if opts.Env == nil {
		opts.Env = []string{} // never the process environment
	}
	g, ds := Load(context.Background(), opts)
	if ds.HasErrors() || g == nil {
		t.Fatalf("Load: unexpected errors:\n%s", diagText(ds))
	}
	return g
}

// loadDiags loads opts and returns the graph and diagnostics as they are.
func loadDiags(t *testing.T, opts Options) (*Graph, diag.Diagnostics) {
	t.Helper()
	if opts.Env == nil {
		opts.Env = []string{}
	}
	return Load(context.Background(), opts)
}

// mustFail loads opts, expects an error with the given code and no graph,
// and returns that diagnostic.
func mustFail(t *testing.T, opts Options, code string) diag.Diagnostic {
	t.Helper()
	g, ds := loadDiags(t, opts)
	if g != nil {
		t.Errorf("Load returned a graph despite errors")
	}
	for _, d := range ds {
		if d.Code == code && d.Severity == diag.Error {
			return d
		}
	}
	t.Fatalf("no error %s among:\n%s", code, diagText(ds))
	return diag.Diagnostic{}
}

func diagText(ds diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("  " + d.Format("") + "\n")
	}
	return b.String()
}

// findDiags returns the diagnostics with code.
func findDiags(ds diag.Diagnostics, code string) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range ds {
		if d.Code == code {
			out = append(out, d)
		}
	}
	return out
}

func svc(t *testing.T, g *Graph, name string) *Service {
	t.Helper()
	for _, s := range g.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %q in graph (have %v)", name, serviceNames(g))
	return nil
}

func serviceNames(g *Graph) []string {
	var out []string
	for _, s := range g.Services {
		out = append(out, s.Name)
	}
	return out
}

func envValue(t *testing.T, s *Service, name string) string {
	t.Helper()
	for _, e := range s.Env {
		if e.Name == name {
			if e.Value == nil {
				return "<nil>"
			}
			return *e.Value
		}
	}
	t.Fatalf("service %s has no environment variable %s", s.Name, name)
	return ""
}

func wantPos(t *testing.T, what string, got, want diag.Pos) {
	t.Helper()
	if got != want {
		t.Errorf("%s: position %+v, want %+v", what, got, want)
	}
}

func TestLoadDiscovery(t *testing.T) {
	tests := []struct {
		name      string
		files     map[string]string
		wantFiles []string
		wantImage map[string]string
	}{
		{
			name:      "compose.yaml",
			files:     map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1\n"},
			wantFiles: []string{"compose.yaml"},
			wantImage: map[string]string{"web": "nginx:1"},
		},
		{
			name:      "docker-compose.yml alone",
			files:     map[string]string{"docker-compose.yml": "services:\n  old:\n    image: busybox\n"},
			wantFiles: []string{"docker-compose.yml"},
			wantImage: map[string]string{"old": "busybox"},
		},
		{
			name: "override merged automatically",
			files: map[string]string{
				"compose.yaml":          "services:\n  web:\n    image: nginx:1\n  db:\n    image: postgres:15\n",
				"compose.override.yaml": "services:\n  web:\n    image: nginx:2\n  dev:\n    image: busybox\n",
			},
			wantFiles: []string{"compose.yaml", "compose.override.yaml"},
			wantImage: map[string]string{"web": "nginx:2", "db": "postgres:15", "dev": "busybox"},
		},
		{
			name: "compose.yaml preferred over docker-compose.yml",
			files: map[string]string{
				"compose.yaml":       "services:\n  new:\n    image: a\n",
				"docker-compose.yml": "services:\n  old:\n    image: b\n",
			},
			wantFiles: []string{"compose.yaml"},
			wantImage: map[string]string{"new": "a"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, tc.files)
			g := mustLoad(t, Options{ProjectDir: dir})
			if !slices.Equal(g.Files, tc.wantFiles) {
				t.Errorf("Files = %v, want %v", g.Files, tc.wantFiles)
			}
			if g.Dir != dir {
				t.Errorf("Dir = %q, want %q", g.Dir, dir)
			}
			if len(g.Services) != len(tc.wantImage) {
				t.Errorf("services %v, want %d", serviceNames(g), len(tc.wantImage))
			}
			for name, img := range tc.wantImage {
				if got := svc(t, g, name).Image; got != img {
					t.Errorf("service %s image = %q, want %q", name, got, img)
				}
			}
			if !slices.IsSortedFunc(g.Services, func(a, b *Service) int { return strings.Compare(a.Name, b.Name) }) {
				t.Errorf("services not sorted: %v", serviceNames(g))
			}
		})
	}
}

func TestLoadSeveralFiles(t *testing.T) {
	dir := project(t, map[string]string{
		"base.yaml": `services:
  web:
    image: nginx:1
    ports:
      - "80:80"
    healthcheck:
      test: ["CMD", "true"]
    labels:
      kompose.service.grup: base
  db:
    image: postgres
`,
		"prod.yaml": `services:
  web:
    image: nginx:2
    ports:
      - "443:443"
    healthcheck:
      test: ["CMD", "false"]
    labels:
      kompose.service.grup: prod
`,
	})
	base, prod := filepath.Join(dir, "base.yaml"), filepath.Join(dir, "prod.yaml")
	g, ds := loadDiags(t, Options{Files: []string{base, prod}})
	if ds.HasErrors() {
		t.Fatalf("errors:\n%s", diagText(ds))
	}
	if want := []string{"base.yaml", "prod.yaml"}; !slices.Equal(g.Files, want) {
		t.Errorf("Files = %v, want %v", g.Files, want)
	}
	if g.Dir != dir {
		t.Errorf("Dir = %q, want the first file's directory %q", g.Dir, dir)
	}
	web := svc(t, g, "web")
	if web.Image != "nginx:2" {
		t.Errorf("image = %q, want the later file's nginx:2", web.Image)
	}
	var targets []uint32
	for _, p := range web.Ports {
		targets = append(targets, p.Target)
	}
	slices.Sort(targets)
	if !slices.Equal(targets, []uint32{80, 443}) {
		t.Errorf("port targets = %v, want [80 443]", targets)
	}
	if svc(t, g, "db").Src.Pos.File != "base.yaml" {
		t.Errorf("db only in base.yaml, Src = %+v", svc(t, g, "db").Src)
	}
	// Keys written again by prod.yaml take its positions.
	wantPos(t, "web", web.Src.Pos, diag.Pos{File: "prod.yaml", Line: 2, Col: 3})
	if web.Health == nil || !slices.Equal(web.Health.Test, []string{"false"}) {
		t.Fatalf("healthcheck = %+v, want prod.yaml's test", web.Health)
	}
	wantPos(t, "web healthcheck", web.Health.Src.Pos, diag.Pos{File: "prod.yaml", Line: 6, Col: 5})
	labels := findDiags(ds, CodeKomposeLabel)
	if len(labels) != 1 {
		t.Fatalf("want one TR103, got:\n%s", diagText(ds))
	}
	wantPos(t, "overridden label", labels[0].Pos, diag.Pos{File: prod, Line: 9, Col: 7})
	if labels[0].Path != "services.web.labels.kompose.service.grup" {
		t.Errorf("label path = %q", labels[0].Path)
	}
}

func TestLoadProjectName(t *testing.T) {
	withName := "name: FromFile\nservices:\n  a:\n    image: busybox\n"
	noName := "services:\n  a:\n    image: busybox\n"
	tests := []struct {
		name    string
		subdir  string
		content string
		flag    string
		env     []string
		dotenv  string
		want    string
	}{
		{"flag wins over all", "proj", withName, "flag-name", []string{"COMPOSE_PROJECT_NAME=envname"}, "", "flag-name"},
		{"COMPOSE_PROJECT_NAME wins over name:", "proj", withName, "", []string{"COMPOSE_PROJECT_NAME=envname"}, "", "envname"},
		{"name: wins over directory", "proj", withName, "", nil, "", "fromfile"},
		{"directory name normalised", "My.Proj_X", noName, "", nil, "", "myproj_x"},
		{"COMPOSE_PROJECT_NAME from .env", "proj", noName, "", nil, "COMPOSE_PROJECT_NAME=dotenvname\n", "dotenvname"},
		{"environment wins over .env", "proj", noName, "", []string{"COMPOSE_PROJECT_NAME=envname"}, "COMPOSE_PROJECT_NAME=dotenvname\n", "envname"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tc.subdir)
			files := map[string]string{"compose.yaml": tc.content}
			if tc.dotenv != "" {
				files[".env"] = tc.dotenv
			}
			writeFiles(t, dir, files)
			g := mustLoad(t, Options{ProjectDir: dir, ProjectName: tc.flag, Env: append([]string{}, tc.env...)})
			if g.Name != tc.want {
				t.Errorf("Name = %q, want %q", g.Name, tc.want)
			}
			// Derived names use the project name.
			for _, n := range g.Networks {
				if n.Name == "default" && n.RealName != tc.want+"_default" {
					t.Errorf("default network real name = %q, want %q", n.RealName, tc.want+"_default")
				}
			}
		})
	}
}

func TestLoadInvalidProjectName(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n"})
	d := mustFail(t, Options{ProjectDir: dir, ProjectName: "Bad Name"}, CodeProjectName)
	if !strings.Contains(d.Message, `"Bad Name"`) {
		t.Errorf("message %q does not name the bad project name", d.Message)
	}
}

// A directory whose name gives no project name ("/" for -f - run there,
// or only characters a name cannot hold) said "project name must not be
// empty" as TR012, with no word on how to give one.
func TestLoadNoProjectName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "!!!")
	writeFiles(t, dir, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n"})
	d := mustFail(t, Options{ProjectDir: dir}, CodeProjectName)
	if !strings.Contains(d.Message, "-p NAME") {
		t.Errorf("message %q does not say how to name the project", d.Message)
	}
}

func TestLoadInterpolation(t *testing.T) {
	compose := `services:
  a:
    image: busybox:${TAG}
    environment:
      FROM_ENV: ${FROM_ENV}
      COLON_DEFAULT_UNSET: ${UNSET_1:-d1}
      COLON_DEFAULT_EMPTY: ${EMPTY:-d2}
      DASH_DEFAULT_EMPTY: ${EMPTY-d3}
      DASH_DEFAULT_UNSET: ${UNSET_2-d4}
      ESCAPED: $$TAG
`
	tests := []struct {
		name     string
		dotenv   string
		altenv   string
		useAlt   bool
		env      []string
		tag      string
		fromEnv  string
		wantWarn []string // variables reported unset
	}{
		{
			name: ".env feeds interpolation", dotenv: "TAG=dot\nFROM_ENV=dot\n",
			env: []string{"EMPTY="}, tag: "dot", fromEnv: "dot",
		},
		{
			name: "process environment wins over .env", dotenv: "TAG=dot\nFROM_ENV=dot\n",
			env: []string{"EMPTY=", "TAG=proc"}, tag: "proc", fromEnv: "dot",
		},
		{
			name: "--env-file replaces .env", dotenv: "TAG=dot\nFROM_ENV=dot\n", altenv: "TAG=alt\n", useAlt: true,
			env: []string{"EMPTY="}, tag: "alt", fromEnv: "", wantWarn: []string{"FROM_ENV"},
		},
		{
			name: "no .env", env: []string{"EMPTY=", "TAG=t", "FROM_ENV=e"}, tag: "t", fromEnv: "e",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"compose.yaml": compose}
			if tc.dotenv != "" {
				files[".env"] = tc.dotenv
			}
			if tc.altenv != "" {
				files["alt.env"] = tc.altenv
			}
			dir := project(t, files)
			opts := Options{ProjectDir: dir, Env: tc.env}
			if tc.useAlt {
				opts.EnvFiles = []string{filepath.Join(dir, "alt.env")}
			}
			g, ds := loadDiags(t, opts)
			if ds.HasErrors() {
				t.Fatalf("errors:\n%s", diagText(ds))
			}
			a := svc(t, g, "a")
			if want := "busybox:" + tc.tag; a.Image != want {
				t.Errorf("image = %q, want %q", a.Image, want)
			}
			for name, want := range map[string]string{
				"FROM_ENV": tc.fromEnv, "COLON_DEFAULT_UNSET": "d1", "COLON_DEFAULT_EMPTY": "d2",
				"DASH_DEFAULT_EMPTY": "", "DASH_DEFAULT_UNSET": "d4", "ESCAPED": "$TAG",
			} {
				if got := envValue(t, a, name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			var warned []string
			for _, d := range findDiags(ds, CodeUnsetVar) {
				warned = append(warned, strings.Fields(d.Message)[1])
			}
			if !slices.Equal(warned, tc.wantWarn) {
				t.Errorf("unset-variable warnings for %v, want %v\n%s", warned, tc.wantWarn, diagText(ds))
			}
		})
	}
}

func TestLoadRequiredVariable(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		pos     diag.Pos // File is filled in
		path    string
		msg     string
	}{
		{
			name: "environment",
			compose: `services:
  a:
    image: busybox
    environment:
      OK: fine
      NEED: ${NEEDED:?please set NEEDED to the API key}
`,
			pos: diag.Pos{Line: 6, Col: 13}, path: "services.a.environment.NEED", msg: "please set NEEDED to the API key",
		},
		{
			name: "image",
			compose: `services:
  a:
    image: "busybox:${NEEDED:?a tag is required}"
`,
			pos: diag.Pos{Line: 3, Col: 12}, path: "services.a.image", msg: "a tag is required",
		},
		{
			name: "port",
			compose: `services:
  a:
    image: busybox
    ports:
      - "80:80"
      - "${NEEDED:?port required}:443"
`,
			pos: diag.Pos{Line: 6, Col: 9}, path: "services.a.ports[1]", msg: "port required",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": tc.compose})
			d := mustFail(t, Options{ProjectDir: dir}, CodeRequiredVar)
			tc.pos.File = filepath.Join(dir, "compose.yaml")
			wantPos(t, "TR006", d.Pos, tc.pos)
			if d.Path != tc.path {
				t.Errorf("path = %q, want %q", d.Path, tc.path)
			}
			if !strings.Contains(d.Message, tc.msg) || !strings.Contains(d.Message, "NEEDED") {
				t.Errorf("message %q should name NEEDED and include %q", d.Message, tc.msg)
			}
			// Set, it loads.
			mustLoad(t, Options{ProjectDir: dir, Env: []string{"NEEDED=8080"}})
		})
	}
}

func TestLoadUnsetVariable(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  a:
    image: busybox
    environment:
      SET: ${SETVAR}
      X: "prefix-${MISSING}"
`})
	g, ds := loadDiags(t, Options{ProjectDir: dir, Env: []string{"SETVAR=1"}})
	if g == nil || ds.HasErrors() {
		t.Fatalf("an unset variable is not an error:\n%s", diagText(ds))
	}
	ws := findDiags(ds, CodeUnsetVar)
	if len(ws) != 1 {
		t.Fatalf("want one TR102, got:\n%s", diagText(ds))
	}
	w := ws[0]
	if w.Severity != diag.Warning {
		t.Errorf("TR102 severity = %v", w.Severity)
	}
	wantPos(t, "TR102", w.Pos, diag.Pos{File: filepath.Join(dir, "compose.yaml"), Line: 6, Col: 10})
	if w.Path != "services.a.environment.X" {
		t.Errorf("path = %q", w.Path)
	}
	if !strings.Contains(w.Message, "MISSING") {
		t.Errorf("message %q does not name the variable", w.Message)
	}
	if got := envValue(t, svc(t, g, "a"), "X"); got != "prefix-" {
		t.Errorf("X = %q, want prefix-", got)
	}
}

func TestLoadComposeFileEnv(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": "services:\n  ignored:\n    image: busybox\n",
		"one.yaml":     "services:\n  one:\n    image: a:1\n",
		"two.yaml":     "services:\n  one:\n    image: a:2\n  two:\n    image: b\n",
	})
	cf := filepath.Join(dir, "one.yaml") + string(os.PathListSeparator) + filepath.Join(dir, "two.yaml")
	g := mustLoad(t, Options{ProjectDir: dir, Env: []string{"COMPOSE_FILE=" + cf}})
	if want := []string{"one.yaml", "two.yaml"}; !slices.Equal(g.Files, want) {
		t.Errorf("Files = %v, want %v", g.Files, want)
	}
	if got := serviceNames(g); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("services = %v, want [one two]", got)
	}
	if img := svc(t, g, "one").Image; img != "a:2" {
		t.Errorf("one image = %q, want a:2", img)
	}

	// Explicit files win over COMPOSE_FILE.
	g = mustLoad(t, Options{Files: []string{filepath.Join(dir, "compose.yaml")}, Env: []string{"COMPOSE_FILE=" + cf}})
	if got := serviceNames(g); !slices.Equal(got, []string{"ignored"}) {
		t.Errorf("with -f: services = %v, want [ignored]", got)
	}
}

func TestLoadProfiles(t *testing.T) {
	compose := `services:
  base:
    image: busybox
  debug:
    image: busybox
    profiles: [debug]
  tools:
    image: alpine
    profiles: ["tools", "debug"]
  ops:
    image: alpine
    profiles: [ops]
`
	tests := []struct {
		name         string
		profiles     []string
		env          []string
		wantServices []string
		wantProfiles []string
	}{
		{"none active", nil, nil, []string{"base"}, nil},
		{"--profile debug", []string{"debug"}, nil, []string{"base", "debug", "tools"}, []string{"debug"}},
		{"--profile tools --profile ops", []string{"tools", "ops"}, nil, []string{"base", "ops", "tools"}, []string{"ops", "tools"}},
		{"COMPOSE_PROFILES", nil, []string{"COMPOSE_PROFILES=tools"}, []string{"base", "tools"}, []string{"tools"}},
		{"COMPOSE_PROFILES list", nil, []string{"COMPOSE_PROFILES=ops,tools"}, []string{"base", "ops", "tools"}, []string{"ops", "tools"}},
		{"--profile wins over COMPOSE_PROFILES", []string{"ops"}, []string{"COMPOSE_PROFILES=debug"}, []string{"base", "ops"}, []string{"ops"}},
		{"all", []string{"*"}, nil, []string{"base", "debug", "ops", "tools"}, []string{"*"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": compose})
			g := mustLoad(t, Options{ProjectDir: dir, Profiles: tc.profiles, Env: append([]string{}, tc.env...)})
			if got := serviceNames(g); !slices.Equal(got, tc.wantServices) {
				t.Errorf("services = %v, want %v", got, tc.wantServices)
			}
			if !slices.Equal(g.Profiles, tc.wantProfiles) {
				t.Errorf("Profiles = %v, want %v", g.Profiles, tc.wantProfiles)
			}
			for _, s := range g.Services {
				if s.Name == "tools" && !slices.Equal(s.Profiles, []string{"debug", "tools"}) {
					t.Errorf("tools profiles = %v, want sorted [debug tools]", s.Profiles)
				}
			}
			// Inactive services attach to nothing.
			for _, n := range g.Networks {
				if !slices.Equal(n.Members, tc.wantServices) {
					t.Errorf("network %s members = %v, want %v", n.Name, n.Members, tc.wantServices)
				}
			}
		})
	}
}

func TestLoadUnknownProfile(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  base:
    image: busybox
  dbg:
    image: busybox
    profiles: [debug]
  t:
    image: busybox
    profiles: [tools]
`})
	d := mustFail(t, Options{ProjectDir: dir, Profiles: []string{"debug", "tool"}}, CodeUnknownProfile)
	for _, want := range []string{`"tool"`, "debug, tools"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message %q lacks %q", d.Message, want)
		}
	}
	if d.Path != "--profile" {
		t.Errorf("path = %q, want --profile", d.Path)
	}

	dir = project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n"})
	d = mustFail(t, Options{ProjectDir: dir, Profiles: []string{"x"}}, CodeUnknownProfile)
	if !strings.Contains(d.Message, "none") {
		t.Errorf("message %q should say the project has no profiles", d.Message)
	}
}

func TestLoadExtendsAndInclude(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": `include:
  - sub/inc.yaml
services:
  base:
    image: busybox
    environment:
      FROM_BASE: "1"
    user: "10"
  child:
    extends: base
    environment:
      FROM_CHILD: "2"
  remote:
    extends:
      file: common.yaml
      service: tmpl
    command: ["echo", "hi"]
`,
		"common.yaml": `services:
  tmpl:
    image: alpine:3
    user: "1000"
    working_dir: /srv
`,
		"sub/inc.yaml": `services:
  included:
    image: redis
    volumes:
      - ./data:/data
`,
	})
	g := mustLoad(t, Options{ProjectDir: dir})
	if got, want := serviceNames(g), []string{"base", "child", "included", "remote"}; !slices.Equal(got, want) {
		t.Fatalf("services = %v, want %v", got, want)
	}
	child := svc(t, g, "child")
	if child.Image != "busybox" || child.User != "10" {
		t.Errorf("child image/user = %q/%q, want busybox/10 from base", child.Image, child.User)
	}
	if envValue(t, child, "FROM_BASE") != "1" || envValue(t, child, "FROM_CHILD") != "2" {
		t.Errorf("child environment = %+v", child.Env)
	}
	wantPos(t, "child", child.Src.Pos, diag.Pos{File: "compose.yaml", Line: 9, Col: 3})

	remote := svc(t, g, "remote")
	if remote.Image != "alpine:3" || remote.User != "1000" || remote.WorkingDir != "/srv" {
		t.Errorf("remote = image %q user %q workdir %q, want alpine:3 1000 /srv", remote.Image, remote.User, remote.WorkingDir)
	}
	if !slices.Equal(remote.Command, []string{"echo", "hi"}) {
		t.Errorf("remote command = %q", remote.Command)
	}

	inc := svc(t, g, "included")
	if inc.Image != "redis" {
		t.Errorf("included image = %q", inc.Image)
	}
	wantPos(t, "included", inc.Src.Pos, diag.Pos{File: "sub/inc.yaml", Line: 2, Col: 3})
	if len(inc.Mounts) != 1 || inc.Mounts[0].Source != "sub/data" || inc.Mounts[0].Kind != MountBind {
		t.Errorf("included mounts = %+v, want a bind of sub/data (relative to the included file)", inc.Mounts)
	}
	if len(inc.Mounts) == 1 {
		wantPos(t, "included mount", inc.Mounts[0].Src.Pos, diag.Pos{File: "sub/inc.yaml", Line: 5, Col: 9})
	}
}

func TestLoadDependsOn(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    depends_on:
      - db
      - cache
  worker:
    image: busybox
    depends_on:
      db:
        condition: service_healthy
        restart: true
      migrate:
        condition: service_completed_successfully
        required: false
      cache:
        condition: service_started
  db:
    image: postgres
  cache:
    image: redis
  migrate:
    image: busybox
`})
	g := mustLoad(t, Options{ProjectDir: dir})
	web := svc(t, g, "web")
	want := []DepEdge{
		{Service: "cache", Condition: "service_started", Required: true,
			Src: diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 6, Col: 9}, Path: "services.web.depends_on[1]"}},
		{Service: "db", Condition: "service_started", Required: true,
			Src: diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 5, Col: 9}, Path: "services.web.depends_on[0]"}},
	}
	if !reflect.DeepEqual(web.DependsOn, want) {
		t.Errorf("web depends_on =\n%+v\nwant\n%+v", web.DependsOn, want)
	}
	worker := svc(t, g, "worker")
	want = []DepEdge{
		{Service: "cache", Condition: "service_started", Required: true,
			Src: diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 16, Col: 7}, Path: "services.worker.depends_on.cache"}},
		{Service: "db", Condition: "service_healthy", Required: true, Restart: true,
			Src: diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 10, Col: 7}, Path: "services.worker.depends_on.db"}},
		{Service: "migrate", Condition: "service_completed_successfully", Required: false,
			Src: diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 13, Col: 7}, Path: "services.worker.depends_on.migrate"}},
	}
	if !reflect.DeepEqual(worker.DependsOn, want) {
		t.Errorf("worker depends_on =\n%+v\nwant\n%+v", worker.DependsOn, want)
	}
}

func TestLoadDependsOnErrors(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		code    string
		pos     diag.Pos
		path    string
		msg     []string
	}{
		{
			name: "unknown service, list",
			compose: `services:
  a:
    image: busybox
    depends_on:
      - b
      - nope
  b:
    image: busybox
`,
			code: CodeUnknownDep, pos: diag.Pos{Line: 6, Col: 9}, path: "services.a.depends_on[1]", msg: []string{`"nope"`},
		},
		{
			name: "unknown service, map",
			compose: `services:
  a:
    image: busybox
    depends_on:
      ghost:
        condition: service_started
`,
			code: CodeUnknownDep, pos: diag.Pos{Line: 5, Col: 7}, path: "services.a.depends_on.ghost", msg: []string{`"ghost"`},
		},
		{
			name: "cycle",
			compose: `services:
  a:
    image: busybox
    depends_on:
      b:
        condition: service_healthy
  b:
    image: busybox
    depends_on: [c]
  c:
    image: busybox
    depends_on: [a]
`,
			code: CodeCycle, pos: diag.Pos{Line: 5, Col: 7}, path: "services.a.depends_on.b", msg: []string{"a -> b -> c -> a"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": tc.compose})
			d := mustFail(t, Options{ProjectDir: dir}, tc.code)
			tc.pos.File = filepath.Join(dir, "compose.yaml")
			wantPos(t, tc.code, d.Pos, tc.pos)
			if d.Path != tc.path {
				t.Errorf("path = %q, want %q", d.Path, tc.path)
			}
			for _, m := range tc.msg {
				if !strings.Contains(d.Message, m) {
					t.Errorf("message %q lacks %q", d.Message, m)
				}
			}
		})
	}
}

func TestLoadMounts(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": `services:
  app:
    image: busybox
    volumes:
      - ./data:/data
      - ./conf/app.conf:/etc/app.conf:ro
      - ./nothere:/nothere
      - dbdata:/var/lib/db
      - /anon
      - /var/run/docker.sock:/var/run/docker.sock
      - type: volume
        source: shared
        target: /shared
        volume:
          subpath: sub
      - type: tmpfs
        target: /scratch
        tmpfs:
          size: 64m
    tmpfs:
      - /run:size=16m,mode=1777
    secrets:
      - token
    configs:
      - appcfg
    networks: [front, back]
  other:
    image: busybox
    volumes:
      - shared:/s
    secrets:
      - source: token
        target: custom
        mode: 0440
        uid: "1000"
        gid: "1001"
    configs:
      - source: appcfg
        target: /etc/x.conf
        mode: 0444
    networks:
      back:
        aliases: [zz, aa]
volumes:
  dbdata:
  shared:
networks:
  front:
  back:
secrets:
  token:
    file: ./secret.txt
configs:
  appcfg:
    file: ./conf/app.conf
`,
		"data/.keep":    "",
		"conf/app.conf": "x=1\n",
		"secret.txt":    "s3cret\n",
	})
	g := mustLoad(t, Options{ProjectDir: dir})
	app := svc(t, g, "app")
	mode := func(m int) *int { return &m }
	src := func(line, col int, path string) diag.Src {
		return diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: line, Col: col}, Path: path}
	}
	wantApp := []Mount{ // sorted by target
		{Kind: MountVolume, Target: "/anon", Src: src(9, 9, "services.app.volumes[4]")},
		{Kind: MountConfig, Source: "appcfg", Target: "/appcfg", ReadOnly: true, Src: src(25, 9, "services.app.configs[0]")},
		{Kind: MountBind, Source: "data", Target: "/data", SourceKind: "dir", Src: src(5, 9, "services.app.volumes[0]")},
		{Kind: MountBind, Source: "conf/app.conf", Target: "/etc/app.conf", ReadOnly: true, SourceKind: "file", Src: src(6, 9, "services.app.volumes[1]")},
		{Kind: MountBind, Source: "nothere", Target: "/nothere", SourceKind: "missing", Src: src(7, 9, "services.app.volumes[2]")},
		{Kind: MountTmpfs, Target: "/run", TmpfsSize: 16 << 20, Mode: mode(0o1777), Src: src(21, 9, "services.app.tmpfs[0]")},
		{Kind: MountSecret, Source: "token", Target: "/run/secrets/token", ReadOnly: true, Src: src(23, 9, "services.app.secrets[0]")},
		{Kind: MountTmpfs, Target: "/scratch", TmpfsSize: 64 << 20, Src: src(16, 9, "services.app.volumes[7]")},
		{Kind: MountVolume, Source: "shared", Target: "/shared", SubPath: "sub", Src: src(11, 9, "services.app.volumes[6]")},
		{Kind: MountVolume, Source: "dbdata", Target: "/var/lib/db", Src: src(8, 9, "services.app.volumes[3]")},
	}
	var got []Mount
	var sock *Mount
	for _, m := range app.Mounts {
		if m.Target == "/var/run/docker.sock" {
			sock = &m
			continue
		}
		got = append(got, m)
	}
	if !reflect.DeepEqual(got, wantApp) {
		t.Errorf("app mounts:\n%s\nwant\n%s", jsonIndent(t, got), jsonIndent(t, wantApp))
	}
	if sock == nil {
		t.Fatalf("no docker.sock mount")
	}
	if sock.Kind != MountBind || sock.Source != "/var/run/docker.sock" {
		t.Errorf("docker.sock mount = %+v, want a bind of the absolute /var/run/docker.sock", *sock)
	}

	other := svc(t, g, "other")
	var secret, config *Mount
	for i, m := range other.Mounts {
		switch m.Kind {
		case MountSecret:
			secret = &other.Mounts[i]
		case MountConfig:
			config = &other.Mounts[i]
		}
	}
	if secret == nil || config == nil {
		t.Fatalf("other mounts = %+v", other.Mounts)
	}
	if secret.Target != "/run/secrets/custom" || secret.Source != "token" || secret.Mode == nil || *secret.Mode != 0o440 ||
		secret.UID != "1000" || secret.GID != "1001" || !secret.ReadOnly {
		t.Errorf("long secret = %+v", *secret)
	}
	if config.Target != "/etc/x.conf" || config.Mode == nil || *config.Mode != 0o444 {
		t.Errorf("long config = %+v", *config)
	}
	if want := src(32, 9, "services.other.secrets[0]"); secret.Src != want {
		t.Errorf("long secret src = %+v, want %+v", secret.Src, want)
	}
	if want := src(38, 9, "services.other.configs[0]"); config.Src != want {
		t.Errorf("long config src = %+v, want %+v", config.Src, want)
	}

	// Reverse edges, sorted.
	users := map[string][]string{}
	for _, v := range g.Volumes {
		users["volume "+v.Name] = v.Users
	}
	for _, n := range g.Networks {
		users["network "+n.Name] = n.Members
	}
	for _, s := range g.Secrets {
		users["secret "+s.Name] = s.Users
	}
	for _, c := range g.Configs {
		users["config "+c.Name] = c.Users
	}
	wantUsers := map[string][]string{
		"volume dbdata": {"app"}, "volume shared": {"app", "other"},
		"network front": {"app"}, "network back": {"app", "other"},
		"secret token": {"app", "other"}, "config appcfg": {"app", "other"},
	}
	if !reflect.DeepEqual(users, wantUsers) {
		t.Errorf("reverse edges = %v, want %v", users, wantUsers)
	}
	for _, v := range g.Volumes {
		if v.RealName != g.Name+"_"+v.Name {
			t.Errorf("volume %s real name %q", v.Name, v.RealName)
		}
	}
	if len(g.Secrets) != 1 || g.Secrets[0].File != "secret.txt" {
		t.Errorf("secrets = %+v, want token from secret.txt", g.Secrets)
	}
	if len(g.Configs) != 1 || g.Configs[0].File != "conf/app.conf" {
		t.Errorf("configs = %+v, want appcfg from conf/app.conf", g.Configs)
	}
	wantPos(t, "volume shared", g.Volumes[1].Src.Pos, diag.Pos{File: "compose.yaml", Line: 46, Col: 3})

	// Network attachments: sorted, aliases sorted, positions of the entry.
	wantNets := []NetRef{
		{Network: "back", Src: src(26, 23, "services.app.networks[1]")},
		{Network: "front", Src: src(26, 16, "services.app.networks[0]")},
	}
	if !reflect.DeepEqual(app.Networks, wantNets) {
		t.Errorf("app networks = %+v, want %+v", app.Networks, wantNets)
	}
	wantNets = []NetRef{{Network: "back", Aliases: []string{"aa", "zz"}, Src: src(42, 7, "services.other.networks.back")}}
	if !reflect.DeepEqual(other.Networks, wantNets) {
		t.Errorf("other networks = %+v, want %+v", other.Networks, wantNets)
	}
}

func jsonIndent(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadHealthcheck(t *testing.T) {
	d := func(s string) *Duration {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		dv := Duration(v)
		return &dv
	}
	three := uint64(3)
	tests := []struct {
		name string
		hc   string
		want Health
	}{
		{
			name: "CMD with durations",
			hc: `      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 10s
      timeout: 1m30s
      retries: 3
      start_period: 5s
      start_interval: 500ms
`,
			want: Health{Test: []string{"curl", "-f", "http://localhost"}, Interval: d("10s"), Timeout: d("1m30s"),
				Retries: &three, StartPeriod: d("5s"), StartInterval: d("500ms")},
		},
		{
			name: "string form is CMD-SHELL",
			hc:   "      test: curl -f http://localhost || exit 1\n",
			want: Health{Shell: true, Test: []string{"curl -f http://localhost || exit 1"}},
		},
		{
			name: "CMD-SHELL list",
			hc:   "      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n",
			want: Health{Shell: true, Test: []string{"pg_isready -U postgres"}},
		},
		{
			name: "NONE",
			hc:   "      test: [\"NONE\"]\n",
			want: Health{Disabled: true},
		},
		{
			name: "disable: true",
			hc:   "      disable: true\n",
			want: Health{Disabled: true},
		},
		{
			name: "disable wins over a test",
			hc:   "      test: [\"CMD\", \"true\"]\n      disable: true\n",
			want: Health{Disabled: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n    healthcheck:\n" + tc.hc})
			g := mustLoad(t, Options{ProjectDir: dir})
			h := svc(t, g, "a").Health
			if h == nil {
				t.Fatal("no healthcheck")
			}
			tc.want.Src = diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 4, Col: 5}, Path: "services.a.healthcheck"}
			if !reflect.DeepEqual(*h, tc.want) {
				t.Errorf("health =\n%s\nwant\n%s", jsonIndent(t, h), jsonIndent(t, tc.want))
			}
		})
	}
	dir := project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n"})
	if h := svc(t, mustLoad(t, Options{ProjectDir: dir}), "a").Health; h != nil {
		t.Errorf("no healthcheck written, got %+v", h)
	}
}

func TestLoadDeploy(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  plain:
    image: busybox
  restart:
    image: busybox
    restart: on-failure:3
  unless:
    image: busybox
    restart: unless-stopped
  policy:
    image: busybox
    deploy:
      replicas: 3
      restart_policy:
        condition: on-failure
        max_attempts: 5
      resources:
        limits:
          cpus: "0.5"
          memory: 512M
          pids: 100
        reservations:
          cpus: "0.25"
          memory: 128M
          devices:
            - driver: nvidia
              count: 2
              capabilities: [gpu, compute]
            - capabilities: [tpu]
  any:
    image: busybox
    deploy:
      mode: global
      restart_policy:
        condition: any
  nopolicy:
    image: busybox
    deploy:
      restart_policy:
        condition: none
  gpuall:
    image: busybox
    gpus: all
  legacy:
    image: busybox
    cpus: 1.5
    mem_limit: 1g
    scale: 2
`})
	g := mustLoad(t, Options{ProjectDir: dir})
	restarts := map[string]Restart{
		"plain": {}, "restart": {Policy: "on-failure", MaxAttempts: 3}, "unless": {Policy: "unless-stopped"},
		"policy": {Policy: "on-failure", MaxAttempts: 5}, "any": {Policy: "always"}, "nopolicy": {Policy: "no"},
	}
	for name, want := range restarts {
		if got := svc(t, g, name).Restart; got != want {
			t.Errorf("%s restart = %+v, want %+v", name, got, want)
		}
	}
	p := svc(t, g, "policy")
	if p.Replicas == nil || *p.Replicas != 3 || p.Global {
		t.Errorf("policy replicas = %v global %v, want 3 false", p.Replicas, p.Global)
	}
	wantRes := Resources{
		CPULimit: 0.5, CPUReserve: 0.25, MemLimit: 536870912, MemReserve: 128 << 20, PidsLimit: 100,
		GPUs: []GPU{{Driver: "nvidia", Count: 2, Capabilities: []string{"compute", "gpu"},
			Src: diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 26, Col: 15}, Path: "services.policy.deploy.resources.reservations.devices[0]"}}},
	}
	if !reflect.DeepEqual(p.Resources, wantRes) {
		t.Errorf("policy resources =\n%s\nwant\n%s", jsonIndent(t, p.Resources), jsonIndent(t, wantRes))
	}
	if a := svc(t, g, "any"); !a.Global || a.Replicas != nil {
		t.Errorf("any: global %v replicas %v, want global and no replicas", a.Global, a.Replicas)
	}
	gpus := svc(t, g, "gpuall").Resources.GPUs
	if len(gpus) != 1 || gpus[0].Count != -1 {
		t.Errorf("gpus: all = %+v, want one request with Count -1", gpus)
	}
	l := svc(t, g, "legacy")
	if l.Resources.CPULimit != 1.5 || l.Resources.MemLimit != 1<<30 {
		t.Errorf("legacy resources = %+v", l.Resources)
	}
	if l.Replicas == nil || *l.Replicas != 2 {
		t.Errorf("legacy scale: replicas = %v, want 2", l.Replicas)
	}
	if svc(t, g, "plain").Replicas != nil {
		t.Errorf("plain replicas should be nil")
	}
}

func TestLoadUnmodelled(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  a:
    image: busybox
    logging:
      driver: json-file
    blkio_config:
      weight: 300
    x-note: kept
    x-transship:
      workload: deployment
  b:
    image: busybox
`})
	g := mustLoad(t, Options{ProjectDir: dir})
	want := []diag.Src{
		{Pos: diag.Pos{File: "compose.yaml", Line: 6, Col: 5}, Path: "services.a.blkio_config"},
		{Pos: diag.Pos{File: "compose.yaml", Line: 4, Col: 5}, Path: "services.a.logging"},
		{Pos: diag.Pos{File: "compose.yaml", Line: 8, Col: 5}, Path: "services.a.x-note"},
	}
	if got := svc(t, g, "a").Unmodelled; !reflect.DeepEqual(got, want) {
		t.Errorf("unmodelled = %+v, want %+v", got, want)
	}
	if got := svc(t, g, "b").Unmodelled; got != nil {
		t.Errorf("b unmodelled = %+v, want none", got)
	}
}

func TestLoadDeterministic(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": `x-transship:
  namespace: demo
services:
  web:
    image: nginx
    ports: ["80:80", "443:443"]
    depends_on: [db, cache]
    labels:
      b: "2"
      a: "1"
    environment:
      Z: z
      A: a
    networks: [front, back]
    volumes: [data:/data, ./html:/usr/share/nginx/html]
  db:
    image: postgres
    volumes: [data:/var/lib/postgresql/data]
    networks: [back]
  cache:
    image: redis
    networks: [back]
volumes:
  data:
networks:
  front:
  back:
`,
		"html/index.html": "hi\n",
	})
	opts := Options{ProjectDir: dir}
	g1, g2 := mustLoad(t, opts), mustLoad(t, opts)
	if !reflect.DeepEqual(g1, g2) {
		t.Errorf("two loads differ:\n%s\n%s", jsonIndent(t, g1), jsonIndent(t, g2))
	}
	b1, err1 := json.Marshal(g1)
	b2, err2 := json.Marshal(g2)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !bytes.Equal(b1, b2) {
		t.Errorf("JSON differs")
	}
	if bytes.Contains(b1, []byte(dir)) {
		t.Errorf("graph JSON contains the host path %s:\n%s", dir, b1)
	}
}

func TestJSONForms(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{Duration(10 * 1e9), `"10s"`},
		{Duration(90 * 1e9), `"1m30s"`},
		{Duration(500 * 1e6), `"500ms"`},
		{diag.Pos{File: "compose.yaml", Line: 3, Col: 5}, `"compose.yaml:3:5"`},
		{diag.Pos{File: "compose.yaml"}, `"compose.yaml"`},
		{diag.Src{Pos: diag.Pos{File: "a.yaml", Line: 1, Col: 2}, Path: "services.x"}, `{"pos":"a.yaml:1:2","path":"services.x"}`},
		{diag.Severity(diag.Warning), `"warning"`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("json(%#v) = %s, want %s", tc.v, b, tc.want)
		}
	}

	// Inside a loaded graph too.
	dir := project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10s\n"})
	b, err := json.Marshal(mustLoad(t, Options{ProjectDir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"interval":"10s"`, `"src":{"pos":"compose.yaml:2:3","path":"services.a"}`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("graph JSON lacks %s:\n%s", want, b)
		}
	}
}
