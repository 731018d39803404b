// Package standin builds images without a registry for every harness
// (layer.go: the batch runtimes', the cluster's and the VM's). For the
// real-runtime tests it makes the stand-in images: a busybox-static
// userland (Debian's busybox-static) and the stand-in program (./prog,
// built with CGO_ENABLED=0) in one layer, written as an OCI archive, the
// way an air-gapped site hands an image to run.sh (README.txt of the batch
// target: IMAGE_CACHE/NAME.tar).
package standin

import (
	"archive/tar"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
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
	_, err := Image{Ref: ref, Program: program, Env: env}.Write(path)
	return err
}

// Image is a stand-in image to write.
type Image struct {
	Ref     string
	Program string   // the stand-in program; "" for a plain busybox image (Cmd sh)
	Env     []string // added to the config's PATH
	Config  []byte   // /standin.json: the stand-in plays an example's services
	Links   []string // program names linked to the stand-in (absolute: at that path)
}

// Write writes the image as an OCI archive at path, and returns the
// image's digest (a key for what is made of it: the archive's own bytes
// hold the time it was written).
func (im Image) Write(path string) (v1.Hash, error) {
	var none v1.Hash
	files, err := im.files()
	if err != nil {
		return none, err
	}
	c := Config{OCI: true, Config: v1.Config{
		Entrypoint: []string{"/standin"},
		Env:        append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, im.Env...),
		WorkingDir: "/",
	}}
	if im.Program == "" {
		c.Entrypoint, c.Cmd = nil, []string{"sh"}
	}
	img, err := NewImage(files, c)
	if err != nil {
		return none, err
	}
	digest, err := img.Digest()
	if err != nil {
		return none, err
	}
	t, err := name.NewTag(im.Ref)
	if err != nil {
		return none, err
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".layout")
	if err != nil {
		return none, err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return none, err
	}
	// As docker save (containerd) writes it: the tag alone in ref.name,
	// the whole name beside it.
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": t.TagStr(),
		"io.containerd.image.name":          t.Name(),
	})); err != nil {
		return none, err
	}
	return digest, tarDir(dir, path)
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

// files are the image's: busybox with its applets in /bin, the
// stand-in, its config and the names linked to it, and what Apptainer and
// udocker need in an image (/etc/passwd and /etc/group, mount points).
func (im Image) files() ([]File, error) {
	var files []File
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "run", "data", "usr", "usr/bin", "usr/local", "usr/local/bin", "var", "root", "home"} {
		mode := int64(0o755)
		if d == "tmp" {
			mode = 0o1777
		}
		files = append(files, File{Path: d + "/", Mode: mode})
	}
	links := map[string]bool{}
	for _, l := range im.Links {
		links[l] = true
	}
	// The stand-in takes the names it is linked under (wget).
	bb, err := BusyboxFiles(Busybox, func(a string) bool { return links[a] || links["/bin/"+a] })
	if err != nil {
		return nil, err
	}
	files = append(files, bb...)
	if im.Program != "" {
		prog, err := os.ReadFile(im.Program)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: "standin", Mode: 0o755, Data: prog})
	}
	if im.Config != nil {
		files = append(files, File{Path: "standin.json", Mode: 0o644, Data: im.Config})
	}
	for _, l := range im.Links {
		p := "usr/local/bin/" + l
		if strings.HasPrefix(l, "/") {
			p = strings.TrimPrefix(filepath.Clean(l), "/")
		}
		if p != "standin" {
			files = append(files, File{Path: p, Link: "/standin"})
		}
	}
	return append(files,
		File{Path: "etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/sh\n")},
		File{Path: "etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
		File{Path: "etc/hosts", Mode: 0o644, Data: []byte("127.0.0.1 localhost\n")},
		File{Path: "etc/resolv.conf", Mode: 0o644},
	), nil
}
