package vmtest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The second serial port's log as the guest writes it: CRLF line ends,
// boot noise before a report, and a report cut off by a power cut.
func TestParseReports(t *testing.T) {
	log := "noise\r\n" +
		"=== transship-e2e report begin\r\n--- boot_id\r\nb1\r\n--- swap\r\n/swapfile 256M\r\n" +
		"--- failed units\r\n=== transship-e2e report end\r\n" +
		"=== transship-e2e report begin\r\n--- boot_id\r\nb2\r\n=== transship-e2e report end\r\n" +
		"=== transship-e2e report begin\r\n--- boot_id\r\nb3\r\n"
	path := filepath.Join(t.TempDir(), "report.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []Report{
		{"boot_id": "b1\n", "swap": "/swapfile 256M\n", "failed units": ""},
		{"boot_id": "b2\n"},
	}
	if got := parseReports(path); !reflect.DeepEqual(got, want) {
		t.Errorf("parseReports:\n got %q\nwant %q", got, want)
	}
	got := parseReports(path)
	if r := find(got, 1, "cloud-init"); r != nil {
		t.Errorf("find: no report has a phase, found %q", r)
	}
	if got := parseReports(filepath.Join(t.TempDir(), "missing")); got != nil {
		t.Errorf("a missing log gave %q", got)
	}
}

func TestFind(t *testing.T) {
	reports := []Report{
		{"phase": "cloud-init\n", "boot_id": "a\n"},
		{"phase": "settled\n", "boot_id": "a\n"},
		{"phase": "cloud-init\n", "boot_id": "b\n"},
	}
	for _, c := range []struct {
		n     int
		phase string
		want  Report
	}{
		{1, "cloud-init", reports[0]}, {1, "settled", reports[1]},
		{2, "cloud-init", reports[2]}, {2, "settled", nil}, {3, "cloud-init", nil},
	} {
		if got := find(reports, c.n, c.phase); !reflect.DeepEqual(got, c.want) {
			t.Errorf("find(boot %d, %s) = %q, want %q", c.n, c.phase, got, c.want)
		}
	}
}

// The cache key follows every input of the build.
func TestCacheKey(t *testing.T) {
	a := cacheKey([]string{"busybox:1.37"})
	if a != cacheKey([]string{"busybox:1.37"}) {
		t.Error("cacheKey is not stable")
	}
	if a == cacheKey([]string{"busybox:1.36"}) {
		t.Error("cacheKey ignores the image tags")
	}
	saved := guestFiles[0].content
	guestFiles[0].content += "# changed\n"
	defer func() { guestFiles[0].content = saved }()
	if a == cacheKey([]string{"busybox:1.37"}) {
		t.Error("cacheKey ignores the guest files")
	}
}

// A guest kernel panic ends the wait at once, and the failing test's
// message starts at the oops rather than at the panic's last lines.
func TestDownOnPanic(t *testing.T) {
	dir := t.TempDir()
	vm := &VM{done: make(chan struct{}), console: filepath.Join(dir, "console.log"), qemuLog: filepath.Join(dir, "qemu.log")}
	boot := "[    0.000000] Linux version 6.12\r\n[    1.0] Run /init as init process\r\n"
	if err := os.WriteFile(vm.console, []byte(boot), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := vm.Down(); err != nil {
		t.Fatalf("Down on a booting guest: %v", err)
	}
	oops := "[    2.9] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\r\n"
	for i := 0; i < 40; i++ {
		oops += "[    2.9] R13: ffff88b901251840\r\n"
	}
	oops += "[    2.9] Kernel panic - not syncing: Fatal exception in interrupt\r\n"
	if err := os.WriteFile(vm.console, []byte(boot+oops), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := vm.Down(); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Down after a kernel panic: %v", err)
	}
	tail := vm.ConsoleTail(10)
	if !strings.HasPrefix(tail, "--- console, the kernel's first oops\n[    2.9] Oops: int3") ||
		!strings.Contains(tail, "--- console (last lines)\n") || !strings.HasSuffix(tail, "Fatal exception in interrupt\n--- qemu\n") {
		t.Errorf("ConsoleTail:\n%s", tail)
	}
	close(vm.done)
	if err := vm.Down(); err == nil || !strings.Contains(err.Error(), "qemu exited") {
		t.Errorf("Down after qemu exited: %v", err)
	}
}
