package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/transship/transship/internal/synth"
)

// Ctrl-C while transship writes a large output left a hidden
// .out.transship-tmp-* directory beside it, and once the handler existed,
// a race let the writer add files to it while it was being removed. The
// real binary, interrupted at several moments of a conversion, leaves
// only a whole output or none.
func TestInterruptLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir, bin := buildBinary(t)
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), synth.Compose(1500), 0o644); err != nil {
		t.Fatal(err)
	}
	// How long a whole run takes here, to spread the interrupts over it.
	start := time.Now()
	run := exec.Command(bin, "convert", "--to", "k8s", "-o", "whole")
	run.Dir = dir
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	total := time.Since(start)
	interrupted := 0
	for i := 1; i <= 6; i++ {
		out := filepath.Join(dir, "out")
		os.RemoveAll(out)
		cmd := exec.Command(bin, "convert", "--to", "k8s", "-o", "out")
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(total * time.Duration(i) / 7)
		cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 130 {
			interrupted++
		}
		des, _ := os.ReadDir(dir)
		for _, de := range des {
			if strings.Contains(de.Name(), ".transship-") {
				t.Errorf("interrupt %d/7 of the run: %s left behind", i, de.Name())
			}
		}
		if err == nil { // finished before the signal: the output is whole
			if n, w := count(t, out), count(t, filepath.Join(dir, "whole")); n != w {
				t.Errorf("finished run wrote %d files, want %d", n, w)
			}
		} else if _, serr := os.Stat(out); serr == nil {
			t.Errorf("interrupt %d/7: an output directory appeared", i)
		}
	}
	if interrupted == 0 {
		t.Errorf("no run was interrupted (a whole run takes %v here)", total)
	}
	t.Logf("%d of 6 runs interrupted; a whole run takes %v", interrupted, total)
}

// buildBinary builds transship into a temporary directory and returns
// the directory and the binary's path.
func buildBinary(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "transship")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

func count(t *testing.T, dir string) int {
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(des)
}
