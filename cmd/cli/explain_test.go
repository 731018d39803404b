package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// explain knew only batch. For kubernetes and cloud-init it prints the
// target's table, and with -f each diagnostic the conversion gives under
// its service, named by the feature of the table it belongs to: run over
// every example, no diagnostic lacks its feature, so the emitters and the
// tables agree on real projects.
func TestExplainTargets(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*/compose.yaml")
	if err != nil || len(examples) < 5 {
		t.Fatalf("examples: %v %v", examples, err)
	}
	diagLine := regexp.MustCompile(`^  (.*?)(\S+:\d+:\d+: (warning|error)\[[A-Z0-9]+\]: .*)$`)
	for _, target := range []string{"kubernetes", "cloud-init"} {
		stdout, stderr, code := runCLI(t, "explain", "--to", target)
		if code != 0 || !strings.Contains(stdout, ": degraded") {
			t.Fatalf("explain --to %s: exit %d, %s%s", target, code, stdout, stderr)
		}
		seen := 0
		for _, f := range examples {
			args := []string{"explain", "--to", target, "-f", f}
			if b, err := os.ReadFile(filepath.Join(filepath.Dir(f), "golden.args")); err == nil && strings.Contains(string(b), "--profile") {
				args = append(args, "--profile", "*")
			}
			stdout, _, _ := runCLI(t, args...)
			for _, line := range strings.Split(stdout, "\n") {
				m := diagLine.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				seen++
				if m[1] == "" {
					t.Errorf("%s --to %s: a diagnostic no feature of the table names:\n%s", f, target, line)
				}
			}
		}
		if seen == 0 {
			t.Errorf("--to %s: no diagnostic listed for any example; the test proves nothing", target)
		}
	}
	if _, _, code := runCLI(t, "explain", "--to", "nosuch"); code != exitUsage {
		t.Errorf("explain --to nosuch: exit %d, want %d", code, exitUsage)
	}
}

// The chart is made of the Kubernetes target's decisions, so explain
// gives that table for helm (it was refused although targets lists helm).
func TestExplainHelm(t *testing.T) {
	stdout, stderr, code := runCLI(t, "explain", "--to", "helm", "-f", "../../examples/web-db-cache/compose.yaml")
	if code != exitOK {
		t.Fatalf("explain --to helm: exit %d, %s", code, stderr)
	}
	k8s, _, _ := runCLI(t, "explain", "--to", "kubernetes", "-f", "../../examples/web-db-cache/compose.yaml")
	if !strings.HasPrefix(stdout, "helm: ") || strings.TrimPrefix(stdout, stdout[:strings.IndexByte(stdout, '\n')+1]) != k8s {
		t.Errorf("explain --to helm is not the kubernetes explanation after its first line:\n%s", stdout)
	}
}
