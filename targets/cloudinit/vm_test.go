package cloudinit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/cmd/cli"
	"github.com/transship/transship/internal/e2ecache"
	"github.com/transship/transship/internal/vmtest"
)

// TestVMBoot boots a Debian VM (docker, compose and cloud-init from
// Debian's packages) under qemu with the user-data transship makes for
// examples/vm-web, as a site profile for VMs would have it: secrets left
// out (--secrets prompt), a sudo user with an SSH key, a data disk, swap.
// It checks what a user would: the app waits for its secret; the copy
// commands in the user-data's header, run as written, bring it up; the
// pages answer on the forwarded port; after a reboot the enabled unit
// brings the app back with its volume on the data disk. Its web service
// is built on the VM (withBuild): the page only its image holds answers. The guest's own
// reports (internal/vmtest) say what cloud-init, systemd and docker did.
func TestVMBoot(t *testing.T) {
	if os.Getenv("TRANSSHIP_VM_E2E") != "1" {
		t.Skip("boots a VM under qemu for minutes: run it with make e2e-vm (CI does)")
	}
	missing := vmtest.MissingTools()
	for _, tool := range []string{"ssh", "scp", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("missing %s: make e2e-deps installs them", strings.Join(missing, ", "))
	}
	example := withBuild(t)
	// The base image (cached; cold about 2-4 minutes) has a deadline of its
	// own, so that a cold build on a loaded machine does not eat the boots'.
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancelBuild()
	base, err := vmtest.BuildBase(buildCtx, e2ecache.Dir(), mirror(), []string{"busybox:1.37"}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	// Both boots under emulation: at a load average of 15-22 from other
	// sessions the first boot took 12.5 minutes, the build included.
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	key := sshKey(t)
	userData := convert(t, example, key)

	vm, err := vmtest.Start(ctx, base, vmtest.Options{
		Dir: t.TempDir(), UserData: userData, InstanceID: "i-transship-e2e", Hostname: "vm-web",
		DataDisk: 1 << 30, GuestPorts: []int{22, 80}, MemoryMB: 2048, CPUs: 2,
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
	t.Logf("qemu started with %s: %s", vm.Accel, vm.AccelWhy)
	web := "http://127.0.0.1:" + strconv.Itoa(vm.Ports[80])
	want := wantPage(t, example)
	start := time.Now()

	// First boot: cloud-init finishes while the app waits for its secret.
	r := report(ctx, t, vm, 1, "cloud-init")
	expectLines(t, "boot 1, before the secret", r, map[string][]string{
		"units": {"transship-vm-web.service activating start-pre enabled"},
	})
	if strings.Contains(r["files"], "api_token") {
		t.Errorf("the secret is on the VM before it was copied:\n%s", r["files"])
	}
	t.Logf("first boot: cloud-init done after %s, the app waits for its secret", time.Since(start).Round(time.Second))
	copySecrets(t, userData, example, key, vm.Ports[22])

	checkPage(t, waitPage(ctx, t, vm, web+"/live/index.html", "starts: 1\n"), want, 1)
	checkStatic(t, web+"/about.html", filepath.Join(example, "static/about.html"))
	checkStatic(t, web+"/built.html", filepath.Join(example, "web/built.html"))
	t.Logf("first boot: the app answered after %s", time.Since(start).Round(time.Second))
	first := report(ctx, t, vm, 1, "settled")
	expectLines(t, "boot 1", first, running)

	start = time.Now()
	if err := vm.Reboot(); err != nil {
		t.Fatal(err)
	}
	checkPage(t, waitPage(ctx, t, vm, web+"/live/index.html", "starts: 2\n"), want, 2)
	checkStatic(t, web+"/built.html", filepath.Join(example, "web/built.html"))
	t.Logf("reboot: the app answered again after %s", time.Since(start).Round(time.Second))
	expectLines(t, "boot 2", report(ctx, t, vm, 2, "settled"), running)
}

// running is what a report shows once the app runs.
var running = map[string][]string{
	"units":  {"transship-vm-web.service active exited enabled"},
	"mounts": {"/dev/vdb1 /srv/data ext4"},
	"swap":   {"/swapfile 256M"},
	"files": {"600 root:root /opt/vm-web/compose.yaml", "600 root:root /opt/vm-web/app.env",
		"600 root:root /opt/vm-web/secrets/api_token.txt", "644 root:root /opt/vm-web/render.sh",
		"644 root:root /opt/vm-web/static/about.html"},
	"users":      {"e2e groups=e2e,docker keys=1"},
	"containers": {"vm-web-render-1 Exited (0)", "vm-web-web-1 Up"},
}

// withBuild is a copy of examples/vm-web whose web service has build:
// and no image: (an override, build.yaml, as a user's second -f): its
// image, built on the VM from busybox (loaded, as the VM has no
// registry), adds a page. The example itself stays buildless, as the
// cluster and runtime suites run it too.
func withBuild(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "vm-web")
	if err := os.CopyFS(dir, os.DirFS("../../examples/vm-web")); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"build.yaml":     "services:\n  web:\n    image: !reset null\n    build: ./web\n",
		"web/Dockerfile": "FROM busybox:1.37\nCOPY built.html /www/built.html\n",
		"web/built.html": "<p>this page is in the image the VM built</p>\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sshKey makes a key pair for the VM's user: the private key's path.
func sshKey(t *testing.T) string {
	key := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e@transship", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return key
}

// convert runs the CLI as a user would, with a site profile for VMs (all
// of the cloud_init block but packages: the guest has no network to
// install from).
func convert(t *testing.T, example, key string) []byte {
	dir := t.TempDir()
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(dir, "vm.hcl")
	profile := `extends = "generic"
cloud_init {
  secrets     = "prompt"
  user        = "e2e"
  ssh_keys    = [` + strconv.Quote(strings.TrimSpace(string(pub))) + `]
  sudo        = true
  data_volume = "/dev/vdb:/srv/data"
  swap        = "256M"
}
`
	if err := os.WriteFile(site, []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := cli.Run([]string{"convert", "--to", "cloud-init", "-f", filepath.Join(example, "compose.yaml"),
		"-f", filepath.Join(example, "build.yaml"), "--site", site, "-o", out}, nil, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("convert: exit %d\n%s", code, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("convert: %s", strings.TrimSpace(stderr.String()))
	}
	data, err := os.ReadFile(filepath.Join(out, "user-data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), `warning[CI106]: services.web.build: service web is built from web and names no image; the build context travels in the user-data (2 files) and the VM builds "vm-web-web"`) {
		t.Fatal("no CI106 saying the VM builds vm-web-web")
	}
	if !bytes.Contains(data, []byte("path: /opt/vm-web/static/about.html")) ||
		!regexp.MustCompile(`(?m)^    encoding: gz\+b64$`).Match(data) {
		t.Fatal("the user-data has no gz+b64 file (static/about.html is over 4 KiB to have one)")
	}
	return data
}

// copySecrets runs the copy commands of the user-data's header as a user
// would, in the project directory, with "VM" being a host in the ssh
// configuration (wrappers on PATH add it with -F).
func copySecrets(t *testing.T, userData []byte, example, key string, port int) {
	dir := t.TempDir()
	config := filepath.Join(dir, "ssh_config")
	cfg := fmt.Sprintf("Host VM\n  HostName 127.0.0.1\n  Port %d\n  User e2e\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
		"  BatchMode yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  ConnectTimeout 20\n", port, key)
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"ssh", "scp"} {
		path, _ := exec.LookPath(tool)
		wrapper := "#!/bin/sh\nexec " + path + " -F " + config + ` "$@"` + "\n"
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var copies []string
	for _, line := range strings.Split(string(userData), "\n") {
		if cmd, ok := strings.CutPrefix(line, "#   scp "); ok {
			copies = append(copies, "scp "+cmd)
		}
	}
	if len(copies) != 1 {
		t.Fatalf("want one copy command in the user-data's header, found %q", copies)
	}
	for _, c := range copies {
		cmd := exec.Command("bash", "-c", c)
		cmd.Dir = example
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		t.Logf("copied: %s", c)
	}
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
	return "greeting: " + greeting + "\nstarts: %d\nvolume: /dev/vdb1\nsecret: mode 600, " + strconv.Itoa(len(token)) + " bytes\n"
}

func checkPage(t *testing.T, got, want string, starts int) {
	t.Helper()
	if want = strings.Replace(want, "%d", strconv.Itoa(starts), 1); got != want {
		t.Errorf("page after start %d:\n%s\nwant:\n%s", starts, got, want)
	}
}

// checkStatic compares a bind-mounted file served by the app with the
// project's file: it travelled gzip+base64 in the user-data.
func checkStatic(t *testing.T, url, file string) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got, want) {
		t.Errorf("%s: %s, %d bytes; want the %d bytes of %s", url, resp.Status, len(got), len(want), file)
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
		if err := vm.Down(); err != nil {
			t.Fatalf("%v, while waiting for %q", err, marker)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never showed %q (last: %s)", url, marker, last)
		case <-time.After(2 * time.Second):
		}
	}
}

// report waits for boot n's report in phase and checks that cloud-init
// reported no error or warning and no unit failed.
func report(ctx context.Context, t *testing.T, vm *vmtest.VM, n int, phase string) vmtest.Report {
	t.Helper()
	r, err := vm.WaitReport(ctx, n, phase)
	if err != nil {
		t.Fatal(err)
	}
	var status struct {
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
	if f := strings.TrimSpace(r["failed units"]); f != "" {
		t.Errorf("boot %d: failed units:\n%s", n, f)
	}
	return r
}

// expectLines checks that each section of r has lines starting so.
func expectLines(t *testing.T, label string, r vmtest.Report, expect map[string][]string) {
	t.Helper()
	ok := true
	for section, lines := range expect {
		for _, l := range lines {
			if !hasLinePrefix(r[section], l) {
				t.Errorf("%s: %s has no line %q:\n%s", label, section, l, r[section])
				ok = false
			}
		}
	}
	if !ok {
		t.Logf("%s: the journal of the transship units:\n%s", label, r["journal of transship units"])
	}
}

func hasLinePrefix(text, prefix string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func mirror() string {
	if m := os.Getenv("TRANSSHIP_DEBIAN_MIRROR"); m != "" {
		return m
	}
	return "http://deb.debian.org/debian"
}
