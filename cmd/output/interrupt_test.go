package output

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/transship/transship/targets"
)

// Ctrl-C during a write left .NAME.transship-tmp-NNN beside the output,
// which later runs neither removed nor reused.
func TestStaleTemporaryDirectoriesRemoved(t *testing.T) {
	parent := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	mk := func(name string, age time.Duration) string {
		p := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Join(p, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		os.Chtimes(p, when, when)
		return p
	}
	gone := mk(".out.transship-tmp-"+strconv.Itoa(dead.Process.Pid)+"-123", 0)
	live := mk(".out.transship-tmp-"+strconv.Itoa(os.Getpid())+"-456", 0)
	oldLegacy := mk(".out.transship-tmp-789", 2*time.Hour)
	newLegacy := mk(".out.transship-tmp-790", time.Minute)
	other := mk(".other.transship-tmp-1-1", 0)
	if err := Write(filepath.Join(parent, "out"), []targets.File{{Path: "a.yaml", Data: []byte("a: 1\n")}}, Options{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{gone: false, live: true, oldLegacy: false, newLegacy: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

// An interrupt removes the temporary directory of a write in progress.
func TestInterruptRemovesInFlight(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), ".out.transship-tmp-1-1")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	track(tmp, true)
	Interrupt()
	defer inFlight.Unlock() // Interrupt holds it until the process exits
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("%s still there after Interrupt: %v", tmp, err)
	}
}
