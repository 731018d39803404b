package daemon

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSpawnStop(t *testing.T) {
	s := NewSpawner()
	defer s.Close()
	out := filepath.Join(t.TempDir(), "sh.out")
	// Ignores SIGTERM, so Stop must fall back to SIGKILL.
	p, err := s.Spawn("sh", exec.Command("sh", "-c", `trap "" TERM; echo up; exec sleep 60`), out)
	if err != nil {
		t.Fatal(err)
	}
	for data, _ := os.ReadFile(out); !strings.Contains(string(data), "up"); data, _ = os.ReadFile(out) {
		select {
		case <-p.Done():
			t.Fatalf("exited: %v: %s", p.Wait(), data)
		case <-time.After(10 * time.Millisecond):
		}
	}
	start := time.Now()
	p.Stop(200 * time.Millisecond)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("stopped in %v, before the grace period", d)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := p.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Wait: %v, want killed", err)
	}
	p.Stop(time.Second) // a no-op once exited
}

// TestStartClose: Start adds Pdeathsig to what the caller set in
// SysProcAttr, and fails after Close. That Close kills the children is not
// checked: it depends on the thread the spawner got (see Close).
func TestStartClose(t *testing.T) {
	s := NewSpawner()
	cmd := exec.Command("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if !cmd.SysProcAttr.Setpgid {
		t.Error("Start dropped Setpgid")
	}
	checkPdeathsig(t, cmd.SysProcAttr)
	s.Close()
	if err := s.Start(exec.Command("true")); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v, want ErrClosed", err)
	}
	s.Close() // idempotent
}

func TestOrphaned(t *testing.T) {
	const prefix = "transship-daemon-test-"
	dir, err := MkdirTemp(t.TempDir(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	if Orphaned(dir, prefix) {
		t.Errorf("%s: this process's own directory is orphaned", dir)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(filepath.Dir(dir), prefix+strconv.Itoa(cmd.Process.Pid)+"-1")
	if got, want := Orphaned(gone, prefix), runtime.GOOS == "linux"; got != want {
		t.Errorf("Orphaned(%s) = %v, want %v", gone, got, want)
	}
	for _, d := range []string{"/tmp/other-1-2", "/tmp/" + prefix + "x-1", "/tmp/" + prefix + "1"} {
		if Orphaned(d, prefix) {
			t.Errorf("Orphaned(%s) = true", d)
		}
	}
}
