package cluster

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/transship/transship/internal/e2ecache"
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
	standin, err := StandinBinary(ctx)
	if err != nil {
		return "", err
	}
	key, err := fileKey("base-v3", kubectl, bb, standin)
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
	pauseImg, err := image([]file{{path: "pause", data: pause, mode: 0o755}}, []string{"/pause"}, nil)
	if err != nil {
		return "", err
	}
	sb, err := os.ReadFile(standin)
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
	bbFiles = append(bbFiles, file{path: "bin/nc", data: sb, mode: 0o755},
		file{path: "usr/local/bin/standin", link: "/bin/nc"})
	waitImg, err := image(bbFiles, nil, []string{"sh"})
	if err != nil {
		return "", err
	}
	kc, err := os.ReadFile(kubectl)
	if err != nil {
		return "", err
	}
	kubectlImg, err := image([]file{{path: "usr/local/bin/kubectl", data: kc, mode: 0o755}},
		[]string{"/usr/local/bin/kubectl"}, nil)
	if err != nil {
		return "", err
	}
	return out, writeArchive(out, map[string]v1.Image{PauseImage: pauseImg, WaitImage: waitImg, KubectlImage: kubectlImg})
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
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out+".tmp", "./standin")
	// The cluster's network namespace has no way out: build offline.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOPROXY=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./standin: %v: %s", err, out)
	}
	return out, os.Rename(out+".tmp", out)
}

// StandinImage is a stand-in app image: the busybox userland, the
// stand-in as its entrypoint and under every name in commands (healthcheck
// and service commands; absolute paths are linked where they point), and
// the workloads' roles in /standin.json.
func StandinImage(standin string, commands []string, config []byte) (v1.Image, error) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return nil, err
	}
	sb, err := os.ReadFile(standin)
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
	files = append(files, file{path: "usr/local/bin/standin", data: sb, mode: 0o755},
		file{path: "standin.json", data: config, mode: 0o644})
	seen := map[string]bool{"usr/local/bin/standin": true, "standin.json": true}
	for c := range mine {
		seen["usr/local/bin/"+c] = true
		files = append(files, file{path: "usr/local/bin/" + c, link: "/usr/local/bin/standin"})
	}
	for _, c := range commands {
		if p := strings.TrimPrefix(path.Clean(c), "/"); strings.HasPrefix(c, "/") && !seen[p] && !strings.HasPrefix(p, "bin/") {
			seen[p] = true
			files = append(files, file{path: p, link: "/usr/local/bin/standin"})
		}
	}
	return image(files, []string{"/usr/local/bin/standin"}, nil)
}

// WriteArchive writes images (by name) to a docker archive at out.
func WriteArchive(out string, imgs map[string]v1.Image) error { return writeArchive(out, imgs) }

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

// file is one entry of an image layer: a regular file, or a symlink when
// link is set.
type file struct {
	path string // relative to /
	data []byte
	mode int64
	link string
}

// busyboxFiles is a userland: busybox at /bin/busybox and a link for each
// applet it lists, except the names in skip (the stand-in takes those).
func busyboxFiles(bb string, skip map[string]bool) ([]file, error) {
	data, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %v", err)
	}
	files := []file{{path: "bin/busybox", data: data, mode: 0o755}, {path: "tmp/", mode: 0o1777}}
	// Debian's busybox sh runs its own applets whatever PATH says
	// (FEATURE_PREFER_APPLETS), so its nc (no -z) and wget (segfaults in a
	// pod) would win over the stand-in's: /bin/sh is Debian's dash, with
	// the C library it links.
	for _, f := range []string{"/bin/dash", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("the images' shell: %w", err)
		}
		files = append(files, file{path: strings.TrimPrefix(f, "/"), data: data, mode: 0o755})
	}
	files = append(files, file{path: "bin/sh", link: "/bin/dash"})
	for _, applet := range strings.Fields(string(list)) {
		if applet != "busybox" && applet != "sh" && !skip[applet] {
			files = append(files, file{path: "bin/" + applet, link: "/bin/busybox"})
		}
	}
	return files, nil
}

// image is a one-layer linux/amd64 image with these files.
func image(files []file, entrypoint, cmd []string) (v1.Image, error) {
	layerTar, err := tarOf(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Entrypoint, cfg.Config.Cmd = entrypoint, cmd
	cfg.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
	return mutate.ConfigFile(img, cfg)
}

// tarOf makes a layer tar, with the parent directories of every entry.
func tarOf(files []file) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	for _, f := range files {
		for d := path.Dir(strings.TrimSuffix(f.path, "/")); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}); err != nil {
				return nil, err
			}
		}
		h := &tar.Header{Name: f.path, Mode: f.mode}
		switch {
		case strings.HasSuffix(f.path, "/"):
			h.Typeflag = tar.TypeDir
			dirs[strings.TrimSuffix(f.path, "/")] = true
		case f.link != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, f.link, 0o777
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.data); err != nil {
				return nil, err
			}
		}
	}
	return buf.Bytes(), tw.Close()
}

// writeArchive writes a docker archive (what `ctr images import` reads)
// with each image under its name, atomically.
func writeArchive(out string, imgs map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for n, img := range imgs {
		ref, err := name.ParseReference(n)
		if err != nil {
			return err
		}
		refs[ref] = img
	}
	tmp := out + ".tmp"
	if err := tarball.MultiRefWriteToFile(tmp, refs); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
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
