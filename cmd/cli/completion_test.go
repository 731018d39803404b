package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transship/transship/site"
)

// What `transship __complete` answers: commands, flags, --to values,
// --site names and the services of the project the command line names.
func TestComplete(t *testing.T) {
	dir := writeProject(t)
	file := filepath.Join(dir, "compose.yaml")
	var sites []string
	for _, p := range site.Builtins() {
		sites = append(sites, p.Name)
	}
	cases := []struct {
		words []string
		want  []string
	}{
		{[]string{"con"}, []string{"convert"}},
		{[]string{"completion", ""}, []string{"bash", "fish", "zsh"}},
		{[]string{"convert", "--to", "k"}, []string{"kubernetes", "k8s"}},
		{[]string{"convert", "-t", "cl"}, []string{"cloud-init"}},
		{[]string{"convert", "--to=b"}, []string{"--to=batch"}},
		{[]string{"convert", "--site", ""}, sites},
		{[]string{"convert", "-f", file, "--expose", ""}, []string{"web", "*"}},
		{[]string{"convert", "--expose=w", "-f", file}, nil}, // the word completed is the last one
		{[]string{"convert", "-f", file, "--expose=w"}, []string{"--expose=web"}},
		{[]string{"convert", "--che"}, []string{"--check"}},
		{[]string{"graph", "--diagnostics", ""}, []string{"json", "text"}},
		{[]string{"convert", "-f", ""}, nil}, // a file: the shell's own completion
	}
	for _, c := range cases {
		stdout, _, code := runCLI(t, append([]string{"__complete"}, c.words...)...)
		got := strings.Fields(stdout)
		if code != 0 || !slices.Equal(got, c.want) {
			t.Errorf("__complete %q: %q (exit %d), want %q", c.words, got, code, c.want)
		}
	}
	stdout, _, _ := runCLI(t, "__complete", "convert", "--")
	for _, want := range []string{"--to", "--site", "--expose", "--file", "--output", "--help"} {
		if !slices.Contains(strings.Fields(stdout), want) {
			t.Errorf("convert's flags lack %s: %q", want, stdout)
		}
	}
}

// Each script parses in its shell: bash always, zsh and fish where
// installed (the dynamic part is TestCompletionScripts in cmd/transship).
func TestCompletionScriptsParse(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		stdout, stderr, code := runCLI(t, "completion", sh)
		if code != 0 || stdout == "" {
			t.Fatalf("completion %s: exit %d, %s", sh, code, stderr)
		}
		path, err := exec.LookPath(sh)
		if err != nil {
			if sh == "bash" || os.Getenv("CI") == "true" {
				t.Fatalf("%s is needed (make e2e-deps installs it)", sh)
			}
			t.Logf("%s not installed: its script is not parsed here", sh)
			continue
		}
		f := filepath.Join(t.TempDir(), "completion."+sh)
		if err := os.WriteFile(f, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(path, "-n", f).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
	}
	if _, _, code := runCLI(t, "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want %d", code, exitUsage)
	}
}
