package vmtest

// What the base image has besides Debian's packages. Everything here is
// test harness, not transship output: a static network (so that qemu's
// port forwarding reaches the guest without a DHCP wait), cloud-init
// limited to the NoCloud seed, the images loaded into docker at boot, and
// a report of the boot written to the second serial port for the test.

// packages make a Debian VM like a cloud image with docker: systemd,
// cloud-init, sshd and sudo (cloud-init writes their keys and rules; scp
// needs the sftp server), docker
// with compose (trixie splits the CLI out of docker.io), the tools cloud-init's disk_setup, fs_setup and swap
// modules run, a kernel and an initramfs. busybox-static provides the
// binary of the images (image.go).
var packages = []string{
	"systemd-sysv", "udev", "dbus", "cloud-init", "linux-image-amd64", "initramfs-tools", "kmod",
	"docker.io", "docker-cli", "docker-compose", "busybox-static",
	"e2fsprogs", "fdisk", "gdisk", "iproute2", "ifupdown", "procps", "ca-certificates",
	"openssh-server", "openssh-sftp-server", "sudo",
}

const suite = "trixie"

// imagesTar is where the base image keeps the docker images tarball.
const imagesTar = "/var/lib/transship-e2e/images.tar"

// guestFiles are written into the root filesystem after mmdebstrap, with
// their modes. Units are enabled by the symlinks in enabled.
var guestFiles = []struct {
	path, content string
	mode          uint32
}{
	{"/etc/fstab", "/dev/vda / ext4 defaults 0 1\n", 0o644},
	{"/etc/cloud/cloud.cfg.d/90-transship-e2e.cfg", `# transship e2e harness: the seed is a NoCloud disk; the network is static
# (/etc/network/interfaces.d/eth0), so cloud-init leaves it alone.
datasource_list: [NoCloud, None]
network: {config: disabled}
`, 0o644},
	{"/etc/network/interfaces.d/eth0", `# qemu user-mode network (transship e2e harness)
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    address 10.0.2.15/24
    gateway 10.0.2.2
`, 0o644},
	{"/etc/systemd/system/transship-e2e-images.service", `# transship e2e harness: the VM has no registry, so the images its
# compose project needs were built into this image as a tarball.
[Unit]
Description=load the e2e test images into docker
Requires=docker.service
After=docker.service
ConditionPathExists=` + imagesTar + `

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/docker load -i ` + imagesTar + `

[Install]
WantedBy=multi-user.target
`, 0o644},
	{"/etc/systemd/system/transship-e2e-report.service", `# transship e2e harness: after every boot, what the test checks goes to
# the second serial port.
[Unit]
Description=report the boot to the e2e test

[Service]
Type=exec
ExecStart=/usr/local/sbin/transship-e2e-report
StandardOutput=file:/dev/ttyS1
StandardError=file:/dev/ttyS1

[Install]
WantedBy=multi-user.target
`, 0o644},
	{"/usr/local/sbin/transship-e2e-report", reportScript, 0o755},
}

var enabled = []string{"transship-e2e-images.service", "transship-e2e-report.service"}

// reportScript prints two reports per boot, sections the test parses
// (Report): one when cloud-init is done, one when systemd has no job left
// (the app's unit started, or failed).
const reportScript = `#!/bin/sh
report() {
  echo "=== transship-e2e report begin"
  echo "--- phase"
  echo "$1"
  echo "--- boot_id"
  cat /proc/sys/kernel/random/boot_id
  echo "--- status.json"
  cloud-init status --format json 2>&1
  echo "--- units"
  for u in $(systemctl list-units --all --plain --no-legend 'transship-*.service' | awk '{print $1}'); do
    echo "$u $(systemctl show -P ActiveState "$u") $(systemctl show -P SubState "$u") $(systemctl is-enabled "$u")"
  done
  echo "--- failed units"
  systemctl list-units --failed --plain --no-legend
  echo "--- mounts"
  findmnt -rn -o SOURCE,TARGET,FSTYPE
  echo "--- swap"
  swapon --noheadings --show=NAME,SIZE
  echo "--- files"
  find /opt -type f -exec stat -c '%a %U:%G %n' {} +
  echo "--- users"
  getent passwd | awk -F: '$3 >= 1000 && $3 < 60000 { print $1 }' | while read -r u; do
    echo "$u groups=$(id -nG "$u" | tr ' ' ',') keys=$(cat "$(getent passwd "$u" | cut -d: -f6)/.ssh/authorized_keys" 2>/dev/null | wc -l)"
  done
  echo "--- containers"
  docker ps -a --format '{{.Names}} {{.Status}}'
  echo "--- journal of transship units"
  journalctl -b --no-pager -o cat -u 'transship-*' | tail -n 40
  echo "=== transship-e2e report end"
}
cloud-init status --wait >/dev/null 2>&1
report cloud-init
systemctl is-system-running --wait >/dev/null 2>&1
report settled
`
