package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runStdin(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, []string{}, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// -f - was refused. It reads the compose file from standard input, as
// docker compose does: the working directory is the project directory
// (its .env, its relative paths, its name) and positions are <stdin>:L:C.
func TestComposeFromStdin(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("TAG=1.27\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := "services:\n  web:\n    image: nginx:${TAG}\n    volumes: [\"./data:/data\"]\n"
	stdout, stderr, code := runStdin(t, compose, "graph", "-f", "-")
	if code != 0 {
		t.Fatalf("graph -f -: exit %d: %s", code, stderr)
	}
	var g struct {
		Name     string   `json:"name"`
		Files    []string `json:"files"`
		Services []struct {
			Image  string `json:"image"`
			Mounts []struct {
				Source string               `json:"source"`
				Src    struct{ Pos string } `json:"src"`
			} `json:"mounts"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(stdout), &g); err != nil {
		t.Fatal(err)
	}
	if g.Name != filepath.Base(dir) || len(g.Files) != 1 || g.Files[0] != "<stdin>" {
		t.Errorf("name %q, files %q: want the directory's name and <stdin>", g.Name, g.Files)
	}
	if len(g.Services) != 1 || g.Services[0].Image != "nginx:1.27" || len(g.Services[0].Mounts) != 1 {
		t.Fatalf("services: %+v (the .env of the working directory must apply)", g.Services)
	}
	if m := g.Services[0].Mounts[0]; m.Source != "data" || m.Src.Pos != "<stdin>:4:15" {
		t.Errorf("mount %+v: want ./data of the working directory, at <stdin>:4:15", m)
	}
}

func TestStdinPositions(t *testing.T) {
	t.Chdir(t.TempDir())
	bad := "services:\n  web:\n    image: nginx\n    ports: [\"abc\"]\n"
	_, stderr, code := runStdin(t, bad, "convert", "--to", "k8s", "-f", "-", "-o", "-")
	if code != 1 || !strings.HasPrefix(stderr, "<stdin>:4:13: error[TR004]: services.web.ports[0]:") {
		t.Errorf("exit %d, stderr %q: want <stdin>:4:13", code, stderr)
	}
	_, stderr, _ = runStdin(t, bad, "convert", "--to", "k8s", "-f", "-", "-o", "-", "--diagnostics", "json")
	var ds []struct {
		File string `json:"file"`
		Line int    `json:"line"`
	}
	if err := json.Unmarshal([]byte(stderr), &ds); err != nil || len(ds) != 1 || ds[0].File != "<stdin>" || ds[0].Line != 4 {
		t.Errorf("JSON %q (%v): want file <stdin>, line 4", stderr, err)
	}
	if _, stderr, code := runStdin(t, bad, "graph", "-f", "-", "-f", "-"); code != 1 || !strings.Contains(stderr, "only once") {
		t.Errorf("-f - twice: exit %d, %q", code, stderr)
	}
}
