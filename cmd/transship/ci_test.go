package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// The CI examples of the README (examples/ci) do what they say, with the
// built binary, in a temporary git repository: the pre-commit hook
// refuses a commit whose deploy/k8s is stale and lets a fresh one
// through, and the workflow's transship steps pass on fresh output and
// fail on stale output.
func TestCIExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is needed")
	}
	bindir, bin := buildBinary(t)
	repo := t.TempDir()
	env := append(os.Environ(), "PATH="+bindir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = repo, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(name string, args ...string) {
		t.Helper()
		if out, err := run(name, args...); err != nil {
			t.Fatalf("%s %q: %v\n%s", name, args, err, out)
		}
	}
	writeCompose := func(image string) {
		t.Helper()
		data := "services:\n  web:\n    image: " + image + "\n    ports: [\"80:80\"]\n"
		if err := os.WriteFile(filepath.Join(repo, "compose.yaml"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hook, err := os.ReadFile("../../examples/ci/pre-commit")
	if err != nil {
		t.Fatal(err)
	}
	must(git, "init", "-q")
	if err := os.WriteFile(filepath.Join(repo, ".git", "hooks", "pre-commit"), hook, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCompose("nginx:1.27")
	must(bin, "convert", "--to", "kubernetes", "-f", "compose.yaml", "-o", "deploy/k8s")
	must(git, "add", ".")
	must(git, "commit", "-q", "-m", "fresh")
	steps := workflowSteps(t)
	for _, s := range steps {
		must("sh", "-ec", s)
	}
	writeCompose("nginx:1.28")
	must(git, "add", "compose.yaml")
	if out, err := run(git, "commit", "-q", "-m", "stale"); err == nil || !strings.Contains(out, "is stale") {
		t.Errorf("the hook let a stale deploy/k8s be committed (%v):\n%s", err, out)
	}
	for _, s := range steps {
		if out, err := run("sh", "-ec", s); err == nil || !strings.Contains(out, "nginx:1.28") {
			t.Errorf("workflow step %q passed on stale output (or printed no diff):\n%s", s, out)
		}
	}
	must(bin, "convert", "--to", "kubernetes", "-f", "compose.yaml", "-o", "deploy/k8s")
	must(git, "add", ".")
	must(git, "commit", "-q", "-m", "regenerated")
}

// workflowSteps are the run: lines of the example workflow that call
// transship (the install step is GitHub's business).
func workflowSteps(t *testing.T) []string {
	data, err := os.ReadFile("../../examples/ci/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("the workflow is not YAML: %v", err)
	}
	var out []string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Run, "transship ") {
				out = append(out, s.Run)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the workflow runs no transship step")
	}
	return out
}
