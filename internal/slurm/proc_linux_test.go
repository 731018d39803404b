package slurm

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// TestLeftovers: a leftover check finds the user's processes that carry
// this cluster's marker, not those of another suite's cluster (the old
// check, pgrep -u USER, killed another suite's Slurm jobs: review4
// finding 1), nor unmarked ones, nor zombies, which run nothing.
func TestLeftovers(t *testing.T) {
	start := func(marker string, args ...string) *exec.Cmd {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = os.Environ()
		if marker != "" {
			cmd.Env = append(cmd.Env, markerVar+"="+marker)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	ours, theirs, plain := start("/ours", "sleep", "30"), start("/theirs", "sleep", "31"), start("", "sleep", "32")
	zombie := start("/ours", "true")
	for _, c := range []*exec.Cmd{ours, theirs, plain} {
		defer func() { c.Process.Kill(); c.Wait() }()
	}
	for procState(zombie.Process.Pid) != 'Z' {
		time.Sleep(10 * time.Millisecond)
	}
	defer zombie.Wait()
	left := leftovers(os.Getuid(), func(dir string) bool { return dir == "/ours" })
	has := func(c *exec.Cmd) bool {
		return slices.ContainsFunc(left, func(p Proc) bool { return p.PID == c.Process.Pid })
	}
	if !has(ours) || has(theirs) || has(plain) || has(zombie) {
		t.Errorf("leftovers %v: want only %d (ours), not %d (another cluster's), %d (unmarked), %d (a zombie)",
			left, ours.Process.Pid, theirs.Process.Pid, plain.Process.Pid, zombie.Process.Pid)
	}
	if len(left) > 0 && left[0].Cmd != "sleep 30" {
		t.Errorf("command line %q, want \"sleep 30\"", left[0].Cmd)
	}
}
