package vmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Options describe one VM.
type Options struct {
	Dir        string // work directory: disks, seed, logs
	UserData   []byte // the #cloud-config under test
	InstanceID string // NoCloud meta-data
	Hostname   string
	DataDisk   int64 // size of the empty second disk (/dev/vdb), 0 for none
	GuestPorts []int // TCP ports of the guest forwarded from 127.0.0.1
	MemoryMB   int
	CPUs       int // under KVM; emulation runs one (see Start)
}

// VM is a running qemu.
type VM struct {
	Ports map[int]int // guest port -> host port on 127.0.0.1
	Accel string      // kvm or tcg
	// AccelWhy says why Accel was chosen (chooseAccel).
	AccelWhy string
	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	console  string // first serial port: kernel, systemd, cloud-init
	report   string // second serial port: the harness's boot reports
	monitor  string // qemu's human monitor socket
	qemuLog  string
}

// Start boots a VM from a copy-on-write overlay of base, so the cached
// image stays untouched, with a NoCloud seed holding o.UserData.
func Start(ctx context.Context, base Base, o Options) (*VM, error) {
	overlay := filepath.Join(o.Dir, "root.qcow2")
	if err := run(ctx, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", base.Disk, overlay); err != nil {
		return nil, err
	}
	seed, err := makeSeed(ctx, o)
	if err != nil {
		return nil, err
	}
	vm := &VM{
		Ports:   map[int]int{},
		done:    make(chan struct{}),
		console: filepath.Join(o.Dir, "console.log"),
		report:  filepath.Join(o.Dir, "report.log"),
		monitor: filepath.Join(o.Dir, "monitor.sock"),
		qemuLog: filepath.Join(o.Dir, "qemu.log"),
	}
	fwd := "user,id=n0,restrict=on"
	for _, p := range o.GuestPorts {
		hp, err := freePort()
		if err != nil {
			return nil, err
		}
		vm.Ports[p] = hp
		fwd += fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:%d", hp, p)
	}
	// Under emulation: qemu's default CPU model and one vCPU. The guest
	// kernel patches its own code at boot (int3, then the new bytes, then
	// an IPI); with several vCPUs, multi-threaded TCG can still run the
	// old translation on another vCPU, and the kernel dies on a stray
	// int3. -cpu max did so on every boot here; the likely cause of the
	// panic CI saw once with the default model ("Fatal exception in
	// interrupt", 3 s in). One vCPU has no such race.
	if vm.Accel, vm.AccelWhy, err = chooseAccel(ctx, base.Kernel, o.Dir); err != nil {
		return nil, err
	}
	accel := []string{"-accel", accelTCG, "-smp", "1"}
	if vm.Accel == accelKVM {
		accel = []string{"-accel", accelKVM, "-cpu", "host", "-smp", strconv.Itoa(o.CPUs)}
	}
	args := append([]string{
		"-nodefaults", "-no-user-config", "-display", "none", "-machine", "q35"}, accel...)
	args = append(args,
		"-m", strconv.Itoa(o.MemoryMB),
		"-kernel", base.Kernel, "-initrd", base.Initrd,
		"-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0 systemd.show_status=1",
		"-drive", "file="+overlay+",format=qcow2,if=virtio",
	)
	if o.DataDisk > 0 {
		data := filepath.Join(o.Dir, "data.img")
		if err := os.WriteFile(data, nil, 0o644); err != nil {
			return nil, err
		}
		if err := os.Truncate(data, o.DataDisk); err != nil {
			return nil, err
		}
		args = append(args, "-drive", "file="+data+",format=raw,if=virtio")
	}
	args = append(args,
		"-drive", "file="+seed+",format=raw,if=virtio,readonly=on",
		"-netdev", fwd, "-device", "virtio-net-pci,netdev=n0",
		"-device", "virtio-rng-pci",
		"-serial", "file:"+vm.console, "-serial", "file:"+vm.report,
		"-monitor", "unix:"+vm.monitor+",server=on,wait=off",
	)
	logf, err := os.Create(vm.qemuLog)
	if err != nil {
		return nil, err
	}
	vm.cmd = command(context.Background(), "qemu-system-x86_64", args...)
	vm.cmd.Stdout, vm.cmd.Stderr = logf, logf
	if err := vm.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		vm.waitErr = vm.cmd.Wait()
		logf.Close()
		close(vm.done)
	}()
	return vm, nil
}

// makeSeed writes the NoCloud seed: an ISO 9660 image labelled cidata
// with user-data and meta-data, as cloud-localds makes it.
func makeSeed(ctx context.Context, o Options) (string, error) {
	dir := filepath.Join(o.Dir, "seed")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	meta := fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", o.InstanceID, o.Hostname)
	if err := os.WriteFile(filepath.Join(dir, "meta-data"), []byte(meta), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "user-data"), o.UserData, 0o644); err != nil {
		return "", err
	}
	iso := filepath.Join(o.Dir, "seed.iso")
	return iso, run(ctx, "genisoimage", "-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock",
		filepath.Join(dir, "user-data"), filepath.Join(dir, "meta-data"))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Exited reports whether qemu has stopped, and how.
func (vm *VM) Exited() (bool, error) {
	select {
	case <-vm.done:
		return true, vm.waitErr
	default:
		return false, nil
	}
}

// Down says why the VM can no longer answer: qemu exited, KVM failed to
// run the guest, or the guest kernel panicked (qemu idles on after
// either). nil while it runs.
func (vm *VM) Down() error {
	if ok, err := vm.Exited(); ok {
		return fmt.Errorf("qemu exited (%v)", err)
	}
	if data, _ := os.ReadFile(vm.qemuLog); bytes.Contains(data, []byte(kvmError)) {
		return fmt.Errorf("qemu stopped the guest: %s (force emulation with TRANSSHIP_VM_ACCEL=tcg)", firstLine(data, kvmError))
	}
	if data, _ := os.ReadFile(vm.console); bytes.Contains(data, []byte("Kernel panic - not syncing")) {
		return errors.New("the guest kernel panicked (its console is below)")
	}
	return nil
}

// Reboot presses ctrl-alt-del on the guest's keyboard: systemd reboots
// cleanly (ctrl-alt-del.target), stopping the units as a reboot does.
func (vm *VM) Reboot() error { return vm.hmp("sendkey ctrl-alt-delete") }

// Stop ends qemu (a power cut: the test is over) and waits for it.
func (vm *VM) Stop() {
	if ok, _ := vm.Exited(); ok {
		return
	}
	if vm.hmp("quit") != nil {
		vm.cmd.Process.Kill()
	}
	select {
	case <-vm.done:
	case <-time.After(10 * time.Second):
		vm.cmd.Process.Kill()
		<-vm.done
	}
}

// hmp sends one command to qemu's human monitor and waits for its next
// prompt: a command written before the banner, or a connection closed
// before the prompt, can be dropped.
func (vm *VM) hmp(cmd string) error {
	c, err := net.DialTimeout("unix", vm.monitor, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := readPrompt(c); err != nil {
		return fmt.Errorf("qemu monitor: %w", err)
	}
	if _, err := c.Write([]byte(cmd + "\n")); err != nil {
		return err
	}
	if err := readPrompt(c); err != nil {
		return fmt.Errorf("qemu monitor, %s: %w", cmd, err)
	}
	return nil
}

// readPrompt reads until the monitor's "(qemu) " prompt.
func readPrompt(c net.Conn) error {
	var seen []byte
	buf := make([]byte, 4096)
	for !strings.HasSuffix(string(seen), "(qemu) ") {
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		seen = append(seen, buf[:n]...)
	}
	return nil
}

// ConsoleTail is the end of the guest's console and of qemu's own log,
// for a failing test's message; a kernel oops is shown from its start.
func (vm *VM) ConsoleTail(lines int) string {
	console := logLines(vm.console)
	out := "--- console (last lines)\n" + last(console, lines)
	if i := oopsStart(console); i >= 0 && i < len(console)-lines {
		out = "--- console, the kernel's first oops\n" + strings.Join(console[i:min(i+lines, len(console))], "\n") + "\n" + out
	}
	return out + "\n--- qemu\n" + last(logLines(vm.qemuLog), lines)
}

func logLines(path string) []string {
	data, _ := os.ReadFile(path)
	return strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r", ""), "\n"), "\n")
}

func last(l []string, n int) string {
	return strings.Join(l[max(len(l)-n, 0):], "\n")
}

// oopsStart is the index of the line that begins the kernel's first
// oops or BUG report, -1 for none.
func oopsStart(lines []string) int {
	for i, l := range lines {
		for _, m := range []string{"------------[ cut here ]", "BUG: ", "Oops: ", "general protection fault", "Kernel panic"} {
			if strings.Contains(l, m) {
				return i
			}
		}
	}
	return -1
}
