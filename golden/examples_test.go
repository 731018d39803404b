package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamples converts every example to every output and compares the
// result with golden/<example>/<output>/.
func TestExamples(t *testing.T) {
	root := repoRoot(t)
	examples := listExamples(t, root)
	if len(examples) == 0 {
		t.Fatal("no examples found under examples/")
	}
	for _, ex := range examples {
		for _, v := range variants(t, root, ex) {
			for _, target := range outputs {
				if !v.appliesTo(target) {
					continue
				}
				t.Run(ex+"/"+target+v.suffix, func(t *testing.T) {
					checkExample(t, root, ex, target, v)
				})
			}
		}
	}
	checkOrphans(t, root, examples)
}

// variant is one way of converting an example: the default, or extra
// arguments named in examples/<name>/golden.args ("name: --flag value"
// per line, or "target/name: ..." for one target only), whose goldens are
// golden/<name>/<target>@<variant>/.
type variant struct {
	suffix string
	target string
	args   []string
}

// appliesTo: a variant of the Kubernetes target (another site) is one of
// the Helm chart too, which renders the same plan.
func (v variant) appliesTo(target string) bool {
	return v.target == "" || v.target == target || v.target == "kubernetes" && target == "helm"
}

func variants(t *testing.T, root, ex string) []variant {
	out := []variant{{}}
	data, err := os.ReadFile(filepath.Join(root, "examples", ex, "golden.args"))
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		name, args, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			t.Fatalf("examples/%s/golden.args: %q is not \"name: args\"", ex, line)
		}
		target, name, ok := strings.Cut(strings.TrimSpace(name), "/")
		if !ok {
			target, name = "", target
		}
		out = append(out, variant{suffix: "@" + name, target: target, args: strings.Fields(args)})
	}
	return out
}

func listExamples(t *testing.T, root string) []string {
	entries, err := os.ReadDir(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, "examples", e.Name(), "compose.yaml")); e.IsDir() && err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

func checkExample(t *testing.T, root, ex, target string, v variant) {
	// The output goes where the golden is, so that paths relative to the
	// project (the batch launcher's) are the golden's own.
	out := filepath.Join(root, "golden", ex, ".out-"+target+v.suffix)
	os.RemoveAll(out)
	t.Cleanup(func() { os.RemoveAll(out) })
	args := append([]string{"convert", "--to", target, "-f", "examples/" + ex + "/compose.yaml", "-o", out}, v.args...)
	_, stderr, code := run(t, root, args...)
	if code != 0 {
		t.Fatalf("convert exited %d:\n%s", code, stderr)
	}
	got := readTree(t, out)
	goldenDir := filepath.Join(root, "golden", ex, target+v.suffix)
	stderrFile := goldenDir + ".stderr"
	if update() {
		writeTree(t, goldenDir, got)
		writeOrRemove(t, stderrFile, stderr)
		return
	}
	compareTrees(t, ex+"/"+target, readTree(t, goldenDir), got)
	want, _ := os.ReadFile(stderrFile)
	if string(want) != stderr {
		t.Errorf("%s/%s diagnostics differ from %s:\n%s", ex, target, stderrFile, lineDiff(string(want), stderr))
	}
}

func writeOrRemove(t *testing.T, file, data string) {
	if data == "" {
		if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkOrphans fails on golden directories no example (or no output of
// an example) produces any more.
func checkOrphans(t *testing.T, root string, examples []string) {
	known := map[string]bool{"errors": true}
	for _, ex := range examples {
		known[ex] = true
		expected := map[string]bool{}
		for _, v := range variants(t, root, ex) {
			for _, target := range outputs {
				if !v.appliesTo(target) {
					continue
				}
				expected[target+v.suffix] = true
				expected[target+v.suffix+".stderr"] = true
			}
		}
		entries, _ := os.ReadDir(filepath.Join(root, "golden", ex))
		for _, e := range entries {
			if expected[e.Name()] {
				continue
			}
			if update() {
				os.RemoveAll(filepath.Join(root, "golden", ex, e.Name()))
				continue
			}
			t.Errorf("golden/%s/%s is produced by no output of the example (run make golden to remove it)", ex, e.Name())
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || known[e.Name()] {
			continue
		}
		if update() {
			os.RemoveAll(filepath.Join(root, "golden", e.Name()))
			continue
		}
		t.Errorf("golden/%s has no example any more (run make golden to remove it)", e.Name())
	}
}
