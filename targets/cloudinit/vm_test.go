package cloudinit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/cmd/cli"
	"github.com/transship/transship/internal/vmtest"
)

// TestVMBoot boots a Debian VM (docker, compose and cloud-init from
// Debian's packages) under qemu with the user-data transship makes for
// examples/vm-web, and reads the app's page from the host: after the
// first boot, and after a reboot, when the enabled unit must bring the
// app back with its volume on the data disk. The guest's own report
// (internal/vmtest) says what cloud-init, systemd and docker did.
func TestVMBoot(t *testing.T) {
	if os.Getenv("TRANSSHIP_VM_E2E") != "1" {
		t.Skip("boots a VM under qemu for minutes: run it with make e2e-vm (CI does)")
	}
	if missing := vmtest.MissingTools(); len(missing) > 0 {
		t.Fatalf("missing %s: make e2e-deps installs them", strings.Join(missing, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 14*time.Minute)
	defer cancel()
	example, err := filepath.Abs("../../examples/vm-web")
	if err != nil {
		t.Fatal(err)
	}

	base, err := vmtest.BuildBase(ctx, cacheDir(t), mirror(), []string{"busybox:1.37"}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	userData := convert(t, example)

	vm, err := vmtest.Start(ctx, base, vmtest.Options{
		Dir: t.TempDir(), UserData: userData, InstanceID: "i-transship-e2e", Hostname: "vm-web",
		DataDisk: 1 << 30, GuestPorts: []int{80}, MemoryMB: 2048, CPUs: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Stop()
	defer func() {
		if t.Failed() {
			t.Log(vm.ConsoleTail(60))
		}
	}()
	t.Logf("qemu started (%s)", vm.Accel)
	url := "http://127.0.0.1:" + itoa(vm.Ports[80]) + "/"
	want := wantPage(t, example)

	start := time.Now()
	checkPage(t, waitPage(ctx, t, vm, url, "starts: 1\n"), want, 1)
	t.Logf("first boot: the app answered after %s", time.Since(start).Round(time.Second))
	first := report(ctx, t, vm, 1)

	start = time.Now()
	if err := vm.Reboot(); err != nil {
		t.Fatal(err)
	}
	checkPage(t, waitPage(ctx, t, vm, url, "starts: 2\n"), want, 2)
	t.Logf("reboot: the app answered again after %s", time.Since(start).Round(time.Second))
	second := report(ctx, t, vm, 2)
	if first["boot_id"] == second["boot_id"] {
		t.Errorf("the second report has the first boot's id %s", first["boot_id"])
	}
}

// convert runs the CLI as a user would, with every VM option the site
// flags have but --package (the guest has no network to install from).
func convert(t *testing.T, example string) []byte {
	dir := t.TempDir()
	key := filepath.Join(dir, "e2e.pub")
	if err := os.WriteFile(key, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID6RfLb7JuG6cmm4psytRQA77R5CL04venZUyVfUG2Zp e2e@transship\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := cli.Run([]string{"convert", "--to", "cloud-init", "-f", filepath.Join(example, "compose.yaml"),
		"--data-volume", "/dev/vdb:/srv/data", "--swap", "256M", "--user", "e2e", "--ssh-key", key, "-o", out},
		nil, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("convert: exit %d\n%s", code, stderr.String())
	}
	t.Logf("convert: %s", strings.TrimSpace(stderr.String()))
	data, err := os.ReadFile(filepath.Join(out, "user-data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// wantPage is the page render.sh writes, but for the start count: the
// greeting of app.env, the named volume on the data disk's partition,
// the secret with its bytes and the mode the user-data gives it.
func wantPage(t *testing.T, example string) string {
	env, err := os.ReadFile(filepath.Join(example, "app.env"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(example, "secrets/api_token.txt"))
	if err != nil {
		t.Fatal(err)
	}
	greeting := strings.TrimSpace(strings.TrimPrefix(string(env), "GREETING="))
	return "greeting: " + greeting + "\nstarts: %d\nvolume: /dev/vdb1\nsecret: mode 600, " + itoa(len(token)) + " bytes\n"
}

func checkPage(t *testing.T, got, want string, starts int) {
	t.Helper()
	if want = strings.Replace(want, "%d", itoa(starts), 1); got != want {
		t.Errorf("page after start %d:\n%s\nwant:\n%s", starts, got, want)
	}
}

// waitPage polls url from the host until the page contains marker.
func waitPage(ctx context.Context, t *testing.T, vm *vmtest.VM, url, marker string) string {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	last := "no answer"
	for {
		if resp, err := client.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = resp.Status + "\n" + string(body)
			if resp.StatusCode == 200 && strings.Contains(string(body), marker) {
				return string(body)
			}
		}
		if done, err := vm.Exited(); done {
			t.Fatalf("qemu exited (%v) while waiting for %q", err, marker)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never showed %q (last: %s)", url, marker, last)
		case <-time.After(2 * time.Second):
		}
	}
}

// report waits for boot n's report and checks what the user-data asked
// for: no cloud-init error, the unit active and enabled, the data disk
// and swap, file modes, the user, the containers.
func report(ctx context.Context, t *testing.T, vm *vmtest.VM, n int) vmtest.Report {
	t.Helper()
	r, err := vm.WaitReport(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	var status struct {
		Status            string              `json:"status"`
		Extended          string              `json:"extended_status"`
		Errors            []string            `json:"errors"`
		RecoverableErrors map[string][]string `json:"recoverable_errors"`
	}
	if err := json.Unmarshal([]byte(r["status.json"]), &status); err != nil {
		t.Errorf("boot %d: cloud-init status: %v\n%s", n, err, r["status.json"])
	}
	if status.Extended != "done" || len(status.Errors) > 0 || len(status.RecoverableErrors) > 0 {
		t.Errorf("boot %d: cloud-init status %q, errors %q, recoverable errors %q", n, status.Extended, status.Errors, status.RecoverableErrors)
	}
	expect := map[string][]string{
		"units":  {"transship-vm-web.service active exited enabled"},
		"mounts": {"/dev/vdb1 /srv/data ext4"},
		"swap":   {"/swapfile 256M"},
		"files": {"600 root:root /opt/vm-web/compose.yaml", "600 root:root /opt/vm-web/app.env",
			"600 root:root /opt/vm-web/secrets/api_token.txt", "644 root:root /opt/vm-web/render.sh"},
		"users":      {"e2e groups=e2e,docker keys=1"},
		"containers": {"vm-web-render-1 Exited (0)", "vm-web-web-1 Up"},
	}
	for section, lines := range expect {
		for _, l := range lines {
			if !hasLinePrefix(r[section], l) {
				t.Errorf("boot %d: %s has no line %q:\n%s", n, section, l, r[section])
			}
		}
	}
	if f := strings.TrimSpace(r["failed units"]); f != "" {
		t.Errorf("boot %d: failed units:\n%s", n, f)
	}
	if t.Failed() {
		for name, text := range r {
			t.Logf("boot %d report, %s:\n%s", n, name, text)
		}
	}
	return r
}

func hasLinePrefix(text, prefix string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func cacheDir(t *testing.T) string {
	if d := os.Getenv("TRANSSHIP_E2E_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(home, ".cache", "transship-e2e")
}

func mirror() string {
	if m := os.Getenv("TRANSSHIP_DEBIAN_MIRROR"); m != "" {
		return m
	}
	return "http://deb.debian.org/debian"
}

func itoa(n int) string { return strconv.Itoa(n) }
