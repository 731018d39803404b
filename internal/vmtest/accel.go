package vmtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The accelerators Start can run a guest with.
const (
	accelKVM = "kvm"
	accelTCG = "tcg"
)

// kvmDevice is the device KVM is reached through; a variable so that the
// tests can point it at a file of their own.
var kvmDevice = "/dev/kvm"

// probeTimeout bounds the KVM probe. A working KVM prints the kernel's
// banner within a second; a broken one fails at once. Only a machine so
// loaded that even KVM stalls waits this long, and emulation is the
// right choice there too.
const probeTimeout = 30 * time.Second

// kvmError is what qemu prints when KVM cannot run the guest's code. qemu
// then pauses the guest and idles on, so the boot would otherwise wait
// out its whole deadline.
const kvmError = "KVM internal error"

// chooseAccel decides between KVM and emulation by what works, not by
// what opens: /dev/kvm can open on a machine where KVM stops in the guest
// kernel's first instructions ("KVM internal error. Suberror: 1 ...
// emulation failure", ../shared/notes/cluster.md). TRANSSHIP_VM_ACCEL=kvm
// or tcg forces a choice. The second result says why, for the test log.
func chooseAccel(ctx context.Context, kernel, dir string) (accel, why string, err error) {
	switch forced := os.Getenv("TRANSSHIP_VM_ACCEL"); forced {
	case accelKVM, accelTCG:
		return forced, "forced by TRANSSHIP_VM_ACCEL", nil
	case "":
	default:
		return "", "", fmt.Errorf("TRANSSHIP_VM_ACCEL=%q: want kvm or tcg", forced)
	}
	f, err := os.OpenFile(kvmDevice, os.O_RDWR, 0)
	if err != nil {
		return accelTCG, fmt.Sprintf("no usable %s (%v)", kvmDevice, err), nil
	}
	f.Close()
	if err := probeKVM(ctx, kernel, dir); err != nil {
		return accelTCG, "KVM does not run a guest here: " + err.Error(), nil
	}
	return accelKVM, "the KVM probe booted the guest kernel", nil
}

// probeKVM boots the guest kernel under KVM with no disk and no initrd,
// and waits for its banner on the console. KVM works when the banner
// shows; it does not when qemu reports a KVM error or exits first, or
// when nothing shows within probeTimeout.
func probeKVM(ctx context.Context, kernel, dir string) error {
	console := filepath.Join(dir, "kvm-probe-console.log")
	qemuLog := filepath.Join(dir, "kvm-probe-qemu.log")
	logf, err := os.Create(qemuLog)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := command(context.Background(), "qemu-system-x86_64",
		"-nodefaults", "-no-user-config", "-display", "none", "-machine", "q35",
		"-accel", accelKVM, "-cpu", "host", "-smp", "1", "-m", "256", "-no-reboot",
		"-kernel", kernel, "-append", "console=ttyS0 panic=-1",
		"-serial", "file:"+console)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	deadline := time.After(probeTimeout)
	for {
		if data, _ := os.ReadFile(qemuLog); bytes.Contains(data, []byte(kvmError)) {
			return fmt.Errorf("qemu: %s", firstLine(data, kvmError))
		}
		if data, _ := os.ReadFile(console); bytes.Contains(data, []byte("Linux version")) {
			return nil
		}
		select {
		case err := <-exited:
			exited <- err // for the deferred wait
			data, _ := os.ReadFile(qemuLog)
			return fmt.Errorf("qemu exited (%v) before the kernel's banner: %s", err, strings.TrimSpace(string(data)))
		case <-deadline:
			return fmt.Errorf("no kernel banner on the console within %s", probeTimeout)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// firstLine is the line of data that holds marker.
func firstLine(data []byte, marker string) string {
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, marker) {
			return strings.TrimSpace(l)
		}
	}
	return marker
}
