package vmtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeQemu puts a qemu-system-x86_64 on PATH that behaves as body says
// (a shell fragment; $console is the file of its -serial option) and
// records each call's arguments in the returned file.
func fakeQemu(t *testing.T, body string) (calls string) {
	t.Helper()
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	script := `#!/bin/sh
echo "$*" >>'` + calls + `'
console=
prev=
for a in "$@"; do
  [ "$prev" = -serial ] && console=${a#file:}
  prev=$a
done
` + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "qemu-system-x86_64"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return calls
}

// openableKVM points kvmDevice at a file that opens read-write, as
// /dev/kvm does on a machine where KVM may or may not work.
func openableKVM(t *testing.T) {
	t.Helper()
	dev := filepath.Join(t.TempDir(), "kvm")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	saved := kvmDevice
	kvmDevice = dev
	t.Cleanup(func() { kvmDevice = saved })
}

func readCalls(t *testing.T, calls string) []string {
	data, err := os.ReadFile(calls)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// The machine this issue was seen on: /dev/kvm opens, and qemu stops at
// the guest kernel's first instructions with a KVM internal error, then
// idles (sleep). The probe sees the error and falls back to emulation.
func TestChooseAccelFallsBackOnKVMError(t *testing.T) {
	t.Setenv("TRANSSHIP_VM_ACCEL", "")
	openableKVM(t)
	calls := fakeQemu(t, `echo 'KVM internal error. Suberror: 1' >&2
echo 'emulation failure' >&2
exec sleep 60`)
	accel, why, err := chooseAccel(context.Background(), "/boot/vmlinuz", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if accel != accelTCG || !strings.Contains(why, "KVM internal error. Suberror: 1") {
		t.Errorf("chooseAccel = %s (%s), want tcg because of the KVM error", accel, why)
	}
	got := readCalls(t, calls)
	if len(got) != 1 || !strings.Contains(got[0], "-accel kvm") || !strings.Contains(got[0], "-kernel /boot/vmlinuz") {
		t.Errorf("want one KVM probe of the kernel, qemu ran with %q", got)
	}
}

func TestChooseAccel(t *testing.T) {
	banner := `echo 'Linux version 6.12.0 (debian-kernel@lists.debian.org)' >"$console"; exec sleep 60`
	for _, c := range []struct {
		name, env, qemu string
		kvm             bool // /dev/kvm opens
		want, why       string
		probes          int
	}{
		{name: "kvm works", kvm: true, qemu: banner, want: accelKVM, why: "booted", probes: 1},
		{name: "qemu exits at once", kvm: true, qemu: `echo 'qemu: could not access KVM kernel module' >&2; exit 1`,
			want: accelTCG, why: "could not access KVM kernel module", probes: 1},
		{name: "no /dev/kvm", qemu: banner, want: accelTCG, why: "no usable"},
		{name: "forced tcg", env: "tcg", kvm: true, qemu: banner, want: accelTCG, why: "forced"},
		{name: "forced kvm", env: "kvm", qemu: `exit 1`, want: accelKVM, why: "forced"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("TRANSSHIP_VM_ACCEL", c.env)
			if c.kvm {
				openableKVM(t)
			} else {
				saved := kvmDevice
				kvmDevice = filepath.Join(t.TempDir(), "missing")
				t.Cleanup(func() { kvmDevice = saved })
			}
			calls := fakeQemu(t, c.qemu)
			accel, why, err := chooseAccel(context.Background(), "/boot/vmlinuz", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if accel != c.want || !strings.Contains(why, c.why) {
				t.Errorf("chooseAccel = %s (%s), want %s (%s)", accel, why, c.want, c.why)
			}
			if n := len(readCalls(t, calls)); n != c.probes {
				t.Errorf("qemu ran %d times, want %d", n, c.probes)
			}
		})
	}
}

func TestChooseAccelRefusesUnknown(t *testing.T) {
	t.Setenv("TRANSSHIP_VM_ACCEL", "hvf")
	if _, _, err := chooseAccel(context.Background(), "/boot/vmlinuz", t.TempDir()); err == nil || !strings.Contains(err.Error(), "want kvm or tcg") {
		t.Errorf("TRANSSHIP_VM_ACCEL=hvf: %v", err)
	}
}

// A KVM error after the probe passed (qemu pauses the guest and idles)
// ends the boot's waits at once, as a panic does.
func TestDownOnKVMError(t *testing.T) {
	dir := t.TempDir()
	vm := &VM{done: make(chan struct{}), console: filepath.Join(dir, "console.log"), qemuLog: filepath.Join(dir, "qemu.log")}
	if err := os.WriteFile(vm.qemuLog, []byte("EAX=00000000 EBX=00000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := vm.Down(); err != nil {
		t.Fatalf("Down on a running guest: %v", err)
	}
	if err := os.WriteFile(vm.qemuLog, []byte("KVM internal error. Suberror: 1\nextra data[0]: 0x0000000000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := vm.Down(); err == nil || !strings.Contains(err.Error(), "KVM internal error. Suberror: 1") || !strings.Contains(err.Error(), "TRANSSHIP_VM_ACCEL=tcg") {
		t.Errorf("Down after a KVM error: %v", err)
	}
}
