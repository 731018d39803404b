package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/transship/transship/cmd/cli"
)

// outputs are the targets every example is converted to.
var outputs = []string{"graph", "kubernetes", "helm", "batch", "cloud-init"}

// update is read while the tests run, so `go test` caches correctly.
func update() bool { return os.Getenv("TRANSSHIP_UPDATE") == "1" }

// repoRoot is the repository, where the CLI runs so that diagnostics show
// paths like examples/web-db-cache/compose.yaml.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// run executes the CLI in-process with an empty environment: goldens must
// not depend on the machine.
func run(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code = cli.Run(args, []string{}, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// readTree reads every file under dir, keyed by slash path, leaving out
// the writer's manifest (the output package tests it).
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".transship-manifest" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

// writeTree replaces dir with files.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// compareTrees reports every missing, extra and different file.
func compareTrees(t *testing.T, label string, want, got map[string]string) {
	t.Helper()
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inWant:
			t.Errorf("%s/%s: generated but has no golden (run make golden and review)", label, n)
		case !inGot:
			t.Errorf("%s/%s: golden exists but was not generated (stale golden)", label, n)
		case w != g:
			t.Errorf("%s/%s differs from its golden:\n%s", label, n, lineDiff(w, g))
		}
	}
}

// lineDiff shows the first differing lines, enough to find the change.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  golden: %q\n  got:    %q", i+1, w, g)
		}
	}
	return "(no line differs; line endings?)"
}
