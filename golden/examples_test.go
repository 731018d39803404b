package golden

import (
	"os"
	"path/filepath"
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
		for _, target := range outputs {
			t.Run(ex+"/"+target, func(t *testing.T) {
				checkExample(t, root, ex, target)
			})
		}
	}
	checkOrphans(t, root, examples)
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

func checkExample(t *testing.T, root, ex, target string) {
	out := filepath.Join(t.TempDir(), "out")
	_, stderr, code := run(t, root, "convert", "--to", target, "-f", "examples/"+ex+"/compose.yaml", "-o", out)
	if code != 0 {
		t.Fatalf("convert exited %d:\n%s", code, stderr)
	}
	got := readTree(t, out)
	goldenDir := filepath.Join(root, "golden", ex, target)
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

// checkOrphans fails on golden directories no example produces any more.
func checkOrphans(t *testing.T, root string, examples []string) {
	known := map[string]bool{"errors": true}
	for _, ex := range examples {
		known[ex] = true
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
