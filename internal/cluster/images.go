package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/transship/transship/internal/e2ecache"
	"github.com/transship/transship/internal/standin"
)

// There is no registry: pods run images the harness builds with
// go-containerregistry and imports into containerd (Cluster.ImportImages).
// Every image names its platform: containerd's import skips one that does
// not ("image might be filtered out").
const (
	// WaitImage and KubectlImage are the names targets/kubernetes gives
	// its wait containers (DefaultWaitImage, DefaultKubectlImage); the
	// harness builds images under these names, so the manifests run
	// unchanged. busybox is Debian's busybox-static.
	WaitImage    = "docker.io/library/busybox:1.37"
	KubectlImage = "registry.k8s.io/kubectl:v1.37.2"
)

// imageCache is where built image archives are kept between runs.
func imageCache() string { return filepath.Join(e2ecache.Dir(), "cluster-images") }

// pauseC is the sandbox's one program: wait for a signal, exit on TERM/INT.
const pauseC = `#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
static void done(int sig) { (void)sig; exit(0); }
int main(void) {
	signal(SIGTERM, done);
	signal(SIGINT, done);
	for (;;) pause();
}
`

// BaseImages builds (or finds in the cache) one docker archive holding the
// pause, wait and kubectl images and returns its path.
func BaseImages(ctx context.Context, binDir string) (string, error) {
	kubectl := filepath.Join(binDir, "kubectl")
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return "", err
	}
	prog, err := StandinBinary(ctx)
	if err != nil {
		return "", err
	}
	// v4: the layers of internal/standin (times at the epoch, PAX).
	key, err := fileKey("base-v4", kubectl, bb, prog)
	if err != nil {
		return "", err
	}
	out := filepath.Join(imageCache(), "base-"+key+".tar")
	if exists(out) {
		return out, nil
	}
	if err := os.MkdirAll(imageCache(), 0o755); err != nil {
		return "", err
	}
	pause, err := buildPause(ctx)
	if err != nil {
		return "", err
	}
	pauseImg, err := image([]standin.File{{Path: "pause", Data: pause, Mode: 0o755}}, []string{"/pause"}, nil)
	if err != nil {
		return "", err
	}
	sb, err := os.ReadFile(prog)
	if err != nil {
		return "", err
	}
	// Debian's busybox nc has no -z, which the official busybox image's
	// nc has and the wait containers use: the stand-in's nc takes its place.
	bbFiles, err := busyboxFiles(bb, map[string]bool{"nc": true})
	if err != nil {
		return "", err
	}
	// As standin (`standin dial`), it is the suite's client.
	bbFiles = append(bbFiles, standin.File{Path: "bin/nc", Data: sb, Mode: 0o755},
		standin.File{Path: "usr/local/bin/standin", Link: "/bin/nc"})
	waitImg, err := image(bbFiles, nil, []string{"sh"})
	if err != nil {
		return "", err
	}
	kc, err := os.ReadFile(kubectl)
	if err != nil {
		return "", err
	}
	kubectlImg, err := image([]standin.File{{Path: "usr/local/bin/kubectl", Data: kc, Mode: 0o755}},
		[]string{"/usr/local/bin/kubectl"}, nil)
	if err != nil {
		return "", err
	}
	return out, standin.WriteDocker(out, map[string]v1.Image{PauseImage: pauseImg, WaitImage: waitImg, KubectlImage: kubectlImg})
}

// StandinBinary builds the stand-in (./standin, CGO_ENABLED=0) into the
// image cache, unless its source has not changed, and returns its path.
// It runs from the package directory, as go test does.
func StandinBinary(ctx context.Context) (string, error) {
	h := sha256.New()
	for _, f := range []string{"standin/main.go", "standin/role/role.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("stand-in source: %w", err)
		}
		h.Write(src)
	}
	sum := h.Sum(nil)
	out := filepath.Join(imageCache(), "standin-"+hex.EncodeToString(sum[:8]))
	if exists(out) {
		return out, nil
	}
	if err := os.MkdirAll(imageCache(), 0o755); err != nil {
		return "", err
	}
	// A temporary name of its own, as two suites may build it at once.
	tmp := fmt.Sprintf("%s.tmp%d", out, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp, "./standin")
	// The cluster's network namespace has no way out: build offline.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOPROXY=off", "GOFLAGS=-mod=mod")
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build ./standin: %v: %s", err, b)
	}
	return out, os.Rename(tmp, out)
}

// StandinImage is a stand-in app image: the busybox userland, the
// stand-in as its entrypoint and under every name in commands (healthcheck
// and service commands; absolute paths are linked where they point), and
// the workloads' roles in /standin.json.
func StandinImage(prog string, commands []string, config []byte) (v1.Image, error) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return nil, err
	}
	sb, err := os.ReadFile(prog)
	if err != nil {
		return nil, err
	}
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %v", err)
	}
	// The shell's words and busybox's applets (grep in `redis-cli ping |
	// grep -q PONG`) stay what they are; nc and wget are the stand-in's.
	keep := map[string]bool{"exit": true, "until": true, "while": true, "do": true, "done": true,
		"if": true, "then": true, "else": true, "fi": true, "for": true, "exec": true}
	for _, a := range strings.Fields(string(list)) {
		keep[a] = true
	}
	mine := map[string]bool{"nc": true, "wget": true}
	for _, c := range append([]string{"pg_isready", "curl", "redis-cli", "healthcheck.sh", "python3", "python"}, commands...) {
		if b := path.Base(c); !keep[b] || b == "nc" || b == "wget" {
			mine[b] = true
		}
	}
	files, err := busyboxFiles(bb, mine)
	if err != nil {
		return nil, err
	}
	files = append(files, standin.File{Path: "usr/local/bin/standin", Data: sb, Mode: 0o755},
		standin.File{Path: "standin.json", Data: config, Mode: 0o644})
	seen := map[string]bool{"usr/local/bin/standin": true, "standin.json": true}
	for c := range mine {
		seen["usr/local/bin/"+c] = true
		files = append(files, standin.File{Path: "usr/local/bin/" + c, Link: "/usr/local/bin/standin"})
	}
	for _, c := range commands {
		if p := strings.TrimPrefix(path.Clean(c), "/"); strings.HasPrefix(c, "/") && !seen[p] && !strings.HasPrefix(p, "bin/") {
			seen[p] = true
			files = append(files, standin.File{Path: p, Link: "/usr/local/bin/standin"})
		}
	}
	return image(files, []string{"/usr/local/bin/standin"}, nil)
}

// WriteArchive writes images (by name) to a docker archive at out.
func WriteArchive(out string, imgs map[string]v1.Image) error { return standin.WriteDocker(out, imgs) }

// buildPause compiles pauseC with gcc -static.
func buildPause(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "transship-pause-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "pause.c")
	if err := os.WriteFile(src, []byte(pauseC), 0o644); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "pause")
	if out, err := exec.CommandContext(ctx, "gcc", "-static", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gcc -static pause.c: %v: %s", err, out)
	}
	return os.ReadFile(bin)
}

// busyboxFiles is a userland: busybox at /bin/busybox and a link for each
// applet it lists, except the names in skip (the stand-in takes those).
func busyboxFiles(bb string, skip map[string]bool) ([]standin.File, error) {
	// Debian's busybox sh runs its own applets whatever PATH says
	// (FEATURE_PREFER_APPLETS), so its nc (no -z) and wget (segfaults in a
	// pod) would win over the stand-in's: /bin/sh is Debian's dash, with
	// the C library it links.
	files, err := standin.BusyboxFiles(bb, func(a string) bool { return a == "sh" || skip[a] })
	if err != nil {
		return nil, err
	}
	files = append(files, standin.File{Path: "tmp/", Mode: 0o1777})
	for _, f := range []string{"/bin/dash", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("the images' shell: %w", err)
		}
		files = append(files, standin.File{Path: strings.TrimPrefix(f, "/"), Data: data, Mode: 0o755})
	}
	return append(files, standin.File{Path: "bin/sh", Link: "/bin/dash"}), nil
}

// image is a one-layer linux/amd64 image with these files, sorted by path
// (internal/standin writes their directories first).
func image(files []standin.File, entrypoint, cmd []string) (v1.Image, error) {
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b standin.File) int { return strings.Compare(a.Path, b.Path) })
	return standin.NewImage(files, standin.Config{Fast: true, Config: v1.Config{
		Entrypoint: entrypoint, Cmd: cmd,
		Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"},
	}})
}

// fileKey hashes a salt and the size and modification time of files: a
// cache key that changes when a binary is rebuilt.
func fileKey(salt string, paths ...string) (string, error) {
	h := sha256.New()
	io.WriteString(h, salt)
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "\x00%s %d %d", p, fi.Size(), fi.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
