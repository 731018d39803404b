package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImagePrefix: --image-prefix gives every target the prefixed name of
// a build-only service, in the output and in its warning; a bad
// reference is a usage error naming the flag.
func TestImagePrefix(t *testing.T) {
	dir := t.TempDir()
	compose := "name: demo\nservices:\n  app:\n    build: ./app\n"
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"compose.yaml": compose, "app/Dockerfile": "FROM scratch\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "compose.yaml")
	const want = "registry.example.org:5000/team/ci/demo-app"
	for target, code := range map[string]string{"kubernetes": "K8S102", "helm": "K8S102", "batch": "BAT128", "cloud-init": "CI106"} {
		out := filepath.Join(t.TempDir(), "out")
		_, stderr, st := runCLI(t, "convert", "--to", target, "-f", file, "-o", out, "--image-prefix", "registry.example.org:5000/team/ci/")
		if st != 0 || !strings.Contains(stderr, "warning["+code+"]: services.app.build: ") || !strings.Contains(stderr, `"`+want+`"`) {
			t.Errorf("%s: exit %d; want %s at services.app.build naming %s:\n%s", target, st, code, want, stderr)
			continue
		}
		found := false
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if data, _ := os.ReadFile(p); err == nil && !d.IsDir() && strings.Contains(string(data), want) {
				found = true
			}
			return nil
		})
		if !found {
			t.Errorf("%s: no output file names %s", target, want)
		}
	}
	// Path elements outside the reference grammar, which name.NewRepository
	// lets through and the kubelet refuses (review4 F1).
	for _, bad := range []string{"Registry.example.org/CI", "ghcr.io/org:v1", "ghcr.io/org@sha256:abc", "ghcr.io//org", "/", "a b", "ghcr.io/-x", "ghcr.io/a..b", "ghcr.io/x./y", "ghcr.io/x-/y"} {
		_, stderr, st := runCLI(t, "convert", "--to", "kubernetes", "-f", file, "-o", "-", "--image-prefix", bad)
		if st != 2 || !strings.Contains(stderr, "--image-prefix "+`"`+bad+`": expected a registry path REG/PATH`) {
			t.Errorf("--image-prefix %q: exit %d, want 2 and a message naming it:\n%s", bad, st, stderr)
		}
	}
	for good, want := range map[string]string{"ghcr.io/org/ci//": "ghcr.io/org/ci/demo-app", "localhost:5000/a__b/c-d": "localhost:5000/a__b/c-d/demo-app", "[::1]:5000/x": "[::1]:5000/x/demo-app", "org/ci": "org/ci/demo-app"} {
		stdout, stderr, st := runCLI(t, "convert", "--to", "kubernetes", "-f", file, "-o", "-", "--image-prefix", good)
		if st != 0 || !strings.Contains(stdout, "image: "+want+"\n") && !strings.Contains(stdout, "image: "+strconv.Quote(want)+"\n") {
			t.Errorf("--image-prefix %q: exit %d, want the image %s:\n%s", good, st, want, stderr)
		}
	}
	if _, stderr, st := runCLI(t, "convert", "--to", "graph", "-f", file, "-o", "-", "--image-prefix", "ghcr.io/org"); st != 2 || !strings.Contains(stderr, "--image-prefix applies only to") {
		t.Errorf("--to graph: exit %d, want 2:\n%s", st, stderr)
	}
}
