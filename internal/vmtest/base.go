// Package vmtest boots a Debian VM under qemu for the cloud-init target's
// end-to-end test: a base image built from Debian packages with mmdebstrap
// (cached), a NoCloud seed made from our user-data, a second disk for the
// data volume, port forwarding from the host, and a reboot through the
// guest's own ctrl-alt-del handling.
package vmtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Base is a cached, read-only base image: an ext4 root disk and the
// kernel and initramfs it boots with.
type Base struct {
	Disk, Kernel, Initrd string
}

// buildVersion changes the cache key when the build itself changes in a
// way the inputs below do not show.
const buildVersion = "1"

// Tools are the host programs the build and the boot run.
var Tools = []string{"mmdebstrap", "mkfs.ext4", "qemu-system-x86_64", "qemu-img", "genisoimage"}

// MissingTools lists the Tools not in PATH or the sbin directories.
func MissingTools() []string {
	var missing []string
	for _, t := range Tools {
		if lookPath(t) == "" {
			missing = append(missing, t)
		}
	}
	return missing
}

// sbin are searched after PATH: mkfs.ext4 lives there, and a non-login
// shell (CI's, a user's) may not have them.
var sbin = []string{"/usr/local/sbin", "/usr/sbin", "/sbin"}

// lookPath is a tool's path in PATH or sbin, "" when it is in neither.
func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range sbin {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// command runs a tool found by lookPath, with sbin in its PATH too
// (mmdebstrap runs host tools of its own).
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	path := lookPath(name)
	if path == "" {
		path = name // exec reports it missing
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":"+strings.Join(sbin, ":"))
	return cmd
}

// BuildBase returns the base image for tags (the images loaded into the
// guest's docker), from cacheDir/vm-<key> when a build with the same
// inputs is there, else building it (about two minutes: mmdebstrap
// downloads ~250 MB of packages). A build goes to a temporary directory
// renamed into place, so an interrupted build leaves no half image; older
// images in cacheDir are removed. logf reports progress.
func BuildBase(ctx context.Context, cacheDir, mirror string, tags []string, logf func(string, ...any)) (Base, error) {
	dir := filepath.Join(cacheDir, "vm-"+cacheKey(tags))
	base := Base{Disk: filepath.Join(dir, "root.img"), Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.img")}
	if _, err := os.Stat(base.Disk); err == nil {
		logf("base image: %s (cached)", dir)
		return base, nil
	}
	if os.Geteuid() != 0 {
		return Base{}, errors.New("building the VM base image needs root: mmdebstrap and mkfs.ext4 -d keep file owners")
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return Base{}, err
	}
	tmp, err := os.MkdirTemp(cacheDir, "vm-build-")
	if err != nil {
		return Base{}, err
	}
	defer os.RemoveAll(tmp)
	if err := build(ctx, tmp, mirror, tags, logf); err != nil {
		return Base{}, err
	}
	if err := os.RemoveAll(filepath.Join(tmp, "root")); err != nil {
		return Base{}, err
	}
	prune(cacheDir, logf)
	if err := os.Rename(tmp, dir); err != nil {
		return Base{}, err
	}
	logf("base image: %s (built)", dir)
	return base, nil
}

// cacheKey hashes every input of the build but the packages' versions.
func cacheKey(tags []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%q\n%q\n", buildVersion, suite, packages, tags)
	for _, f := range guestFiles {
		fmt.Fprintf(h, "%s %o %q\n", f.path, f.mode, f.content)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// build makes tmp/root with mmdebstrap, adds the harness files and the
// images, and turns it into tmp/root.img plus the kernel and initramfs.
func build(ctx context.Context, tmp, mirror string, tags []string, logf func(string, ...any)) error {
	root := filepath.Join(tmp, "root")
	logf("mmdebstrap %s into %s (about two minutes)", suite, root)
	if err := run(ctx, "mmdebstrap", "--variant=minbase", "--include="+strings.Join(packages, ","),
		suite, root, mirror); err != nil {
		return err
	}
	for _, f := range guestFiles {
		p := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f.content), os.FileMode(f.mode)); err != nil {
			return err
		}
	}
	for _, u := range enabled {
		link := filepath.Join(root, "etc/systemd/system/multi-user.target.wants", u)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		if err := os.Symlink("/etc/systemd/system/"+u, link); err != nil {
			return err
		}
	}
	tar := filepath.Join(root, imagesTar)
	if err := os.MkdirAll(filepath.Dir(tar), 0o755); err != nil {
		return err
	}
	if err := writeImages(filepath.Join(root, "bin/busybox"), tar, tags); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	if err := copyBoot(root, tmp); err != nil {
		return err
	}
	logf("mkfs.ext4 -d: root.img")
	return run(ctx, "mkfs.ext4", "-q", "-F", "-L", "root", "-d", root, filepath.Join(tmp, "root.img"), "3G")
}

// copyBoot copies the one installed kernel and its initramfs out of root.
func copyBoot(root, dst string) error {
	for _, f := range []struct{ glob, name string }{{"vmlinuz-*", "vmlinuz"}, {"initrd.img-*", "initrd.img"}} {
		m, _ := filepath.Glob(filepath.Join(root, "boot", f.glob))
		var files []string
		for _, p := range m {
			if !strings.Contains(filepath.Base(p), ".dpkg-") && !strings.HasSuffix(p, ".new") {
				files = append(files, p)
			}
		}
		if len(files) != 1 {
			return fmt.Errorf("want one /boot/%s in the image, found %d", f.glob, len(files))
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, f.name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// prune removes other base images from cacheDir (builds in progress
// remove themselves).
func prune(cacheDir string, logf func(string, ...any)) {
	old, _ := filepath.Glob(filepath.Join(cacheDir, "vm-*"))
	for _, d := range old {
		if strings.HasPrefix(filepath.Base(d), "vm-build-") {
			continue
		}
		logf("removing old base image %s", d)
		os.RemoveAll(d)
	}
}

// run runs a command, its output kept for the error.
func run(ctx context.Context, name string, args ...string) error {
	out, err := command(ctx, name, args...).CombinedOutput()
	if err != nil {
		tail := string(out)
		if len(tail) > 4000 {
			tail = "..." + tail[len(tail)-4000:]
		}
		return fmt.Errorf("%s: %w\n%s", name, err, tail)
	}
	return nil
}
