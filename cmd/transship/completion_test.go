package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The completion scripts, sourced in a real shell with the built binary
// on PATH, complete the services of the project for --expose: bash
// always, fish where installed.
func TestCompletionScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir, _ := buildBinary(t)
	compose := "services:\n  api:\n    image: nginx\n  worker:\n    image: busybox\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	path := dir + string(os.PathListSeparator) + os.Getenv("PATH")
	shells := map[string]string{
		"bash": `source <(transship completion bash)
COMP_WORDS=(transship convert --to k8s --expose ""); COMP_CWORD=5; _transship; printf '%s\n' "${COMPREPLY[@]}"`,
		"fish": `transship completion fish | source; complete -C "transship convert --to k8s --expose "`,
	}
	for sh, script := range shells {
		bin, err := exec.LookPath(sh)
		if err != nil {
			if sh == "bash" || os.Getenv("CI") == "true" {
				t.Fatalf("%s is needed (make e2e-deps installs it)", sh)
			}
			t.Logf("%s not installed: not run", sh)
			continue
		}
		cmd := exec.Command(bin, "-c", script)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "PATH="+path)
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: %v", sh, err)
		}
		if got := strings.Fields(string(out)); strings.Join(got, " ") != "* api worker" && strings.Join(got, " ") != "api worker *" {
			t.Errorf("%s completes --expose with %q, want api, worker and *", sh, got)
		}
	}
}
