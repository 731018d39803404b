// Package standin builds the stand-in images of the real-runtime tests
// without a registry: a busybox-static userland (Debian's busybox-static)
// and the stand-in program (./prog, built with CGO_ENABLED=0) in one
// layer, written as an OCI archive, the way an air-gapped site hands an
// image to run.sh (README.txt of the batch target: IMAGE_CACHE/NAME.tar).
package standin

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Busybox is where Debian's busybox-static puts its binary.
const Busybox = "/bin/busybox"

// Program builds the stand-in program into dir and returns its path.
func Program(dir string) (string, error) {
	_, self, _, _ := runtime.Caller(0)
	out := filepath.Join(dir, "standin")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(self), "prog")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the stand-in: %v\n%s", err, b)
	}
	return out, nil
}

// WriteArchive writes an OCI archive (a tar of an OCI layout, its index
// naming the image ref, as udocker load wants it) of an image to path:
// busybox with its applets in /bin, the stand-in as /standin and its
// entrypoint, and the files apptainer and udocker need in an image
// (/etc/passwd and /etc/group, mount points).
func WriteArchive(path, ref, program string, env []string) error {
	return Image{Ref: ref, Program: program, Env: env}.Write(path)
}

// Image is a stand-in image to write.
type Image struct {
	Ref     string
	Program string   // the stand-in program; "" for a plain busybox image (Cmd sh)
	Env     []string // added to the config's PATH
	Config  []byte   // /standin.json: the stand-in plays an example's services
	Links   []string // program names linked to the stand-in (absolute: at that path)
}

// Write writes the image as an OCI archive at path.
func (im Image) Write(path string) error {
	ref, env := im.Ref, im.Env
	layer, err := im.rootfs()
	if err != nil {
		return err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layer)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, l)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config = v1.Config{
		Entrypoint: []string{"/standin"},
		Env:        append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, env...),
		WorkingDir: "/",
	}
	if im.Program == "" {
		cf.Config.Entrypoint, cf.Config.Cmd = nil, []string{"sh"}
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	if _, err := name.NewTag(ref); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".layout")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	// As docker save (containerd) writes it: the tag alone in ref.name,
	// the whole name beside it.
	t, _ := name.NewTag(ref)
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": t.TagStr(),
		"io.containerd.image.name":          t.Name(),
	})); err != nil {
		return err
	}
	return tarDir(dir, path)
}

// tarDir writes the files under dir into a tar at path, named without a
// "./" prefix (Apptainer's oci-archive: refuses those).
func tarDir(dir, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name, h.Uid, h.Gid, h.Uname, h.Gname = filepath.ToSlash(rel), 0, 0, "", ""
		if fi.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			_, err = tw.Write(data)
		}
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// rootfs is the layer: a tar with numeric owner 0.
func (im Image) rootfs() ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(p string, mode int64) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: mode})
	}
	file := func(p string, mode int64, data []byte) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: mode, Size: int64(len(data))})
		tw.Write(data)
	}
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "run", "data", "usr", "usr/bin", "usr/local", "usr/local/bin", "var", "root", "home"} {
		mode := int64(0o755)
		if d == "tmp" {
			mode = 0o1777
		}
		dir(d, mode)
	}
	bb, err := os.ReadFile(Busybox)
	if err != nil {
		return nil, fmt.Errorf("busybox-static: %w", err)
	}
	file("bin/busybox", 0o755, bb)
	out, err := exec.Command(Busybox, "--list").Output()
	if err != nil {
		return nil, err
	}
	links := map[string]bool{}
	for _, l := range im.Links {
		links[l] = true
	}
	for _, a := range strings.Fields(string(out)) {
		// The stand-in takes the names it is linked under (wget).
		if a != "busybox" && !links[a] && !links["/bin/"+a] {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777})
		}
	}
	if im.Program != "" {
		prog, err := os.ReadFile(im.Program)
		if err != nil {
			return nil, err
		}
		file("standin", 0o755, prog)
	}
	if im.Config != nil {
		file("standin.json", 0o644, im.Config)
	}
	made := map[string]bool{"bin": true, "usr/local/bin": true, "usr/bin": true, "usr": true, "usr/local": true}
	for _, l := range im.Links {
		p := "usr/local/bin/" + l
		if strings.HasPrefix(l, "/") {
			p = strings.TrimPrefix(filepath.Clean(l), "/")
		}
		if p == "standin" {
			continue
		}
		mkParents(tw, p, made)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: p, Linkname: "/standin", Mode: 0o777})
	}
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/sh\n"))
	file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n"))
	file("etc/hosts", 0o644, []byte("127.0.0.1 localhost\n"))
	file("etc/resolv.conf", 0o644, nil)
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mkParents writes the directories above p that are not made yet,
// outermost first.
func mkParents(tw *tar.Writer, p string, made map[string]bool) {
	var dirs []string
	for d := filepath.Dir(p); d != "." && d != "/" && !made[d]; d = filepath.Dir(d) {
		dirs = append(dirs, d)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		made[dirs[i]] = true
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dirs[i] + "/", Mode: 0o755})
	}
}
