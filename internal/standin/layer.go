package standin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The one image builder of the harnesses (the batch runtimes', the
// cluster's and the VM's): images without a registry, made of files
// given here, written as docker archives (docker load, ctr import) or OCI
// archives (udocker load, Apptainer's oci-archive:).

// File is one entry of an image layer: a regular file, a directory (Path
// ends in "/"), or a symlink (Link set).
type File struct {
	Path string // relative to /, slash-separated
	Data []byte
	Mode int64
	Link string
}

// BusyboxFiles is a userland from the busybox-static binary bb: bin/busybox
// first, then bin/APPLET linked to it for each applet it lists, sorted,
// but those skip takes (a stand-in plays them).
func BusyboxFiles(bb string, skip func(applet string) bool) ([]File, error) {
	data, err := os.ReadFile(bb)
	if err != nil {
		return nil, fmt.Errorf("busybox-static: %w", err)
	}
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", bb, err)
	}
	applets := strings.Fields(string(list))
	sort.Strings(applets)
	files := []File{{Path: "bin/busybox", Data: data, Mode: 0o755}}
	for _, a := range applets {
		if a != "busybox" && (skip == nil || !skip(a)) {
			files = append(files, File{Path: "bin/" + a, Link: "busybox"})
		}
	}
	return files, nil
}

// Layer is a tar of files in the order given, each preceded by those of
// its parent directories not written yet (0755): owner 0, times at the
// epoch, so the same files always give the same bytes.
func Layer(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	made := map[string]bool{}
	epoch := time.Unix(0, 0)
	write := func(h *tar.Header, data []byte) error {
		h.ModTime, h.Format, h.Size = epoch, tar.FormatPAX, int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, f := range files {
		p := strings.TrimSuffix(f.Path, "/")
		var parents []string
		for d := path.Dir(p); d != "." && d != "/" && !made[d]; d = path.Dir(d) {
			parents = append(parents, d)
		}
		for i := len(parents) - 1; i >= 0; i-- {
			made[parents[i]] = true
			if err := write(&tar.Header{Typeflag: tar.TypeDir, Name: parents[i] + "/", Mode: 0o755}, nil); err != nil {
				return nil, err
			}
		}
		h := &tar.Header{Name: f.Path, Mode: f.Mode}
		var data []byte
		switch {
		case strings.HasSuffix(f.Path, "/"):
			h.Typeflag = tar.TypeDir
			made[p] = true
		case f.Link != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, f.Link, 0o777
		default:
			h.Typeflag, data = tar.TypeReg, f.Data
		}
		if err := write(h, data); err != nil {
			return nil, err
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// Config is what an image runs, and how it is typed.
type Config struct {
	v1.Config      // entrypoint, command, environment, working directory
	OCI       bool // OCI media types (what udocker load reads by name); Docker's otherwise
	Fast      bool // the layer at gzip's best speed (big binaries, built often)
}

// NewImage is a one-layer linux/amd64 image of files.
func NewImage(files []File, c Config) (v1.Image, error) {
	data, err := Layer(files)
	if err != nil {
		return nil, err
	}
	var opts []tarball.LayerOption
	base := empty.Image
	if c.OCI {
		opts = append(opts, tarball.WithMediaType(types.OCILayer))
		base = mutate.ConfigMediaType(mutate.MediaType(base, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	if c.Fast {
		opts = append(opts, tarball.WithCompressionLevel(gzip.BestSpeed))
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, opts...)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config = c.Config
	return mutate.ConfigFile(img, cf)
}

// WriteDocker writes a docker archive (what `docker load` and `ctr
// images import` read) holding each image under its name, atomically.
func WriteDocker(out string, imgs map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for n, img := range imgs {
		ref, err := name.ParseReference(n)
		if err != nil {
			return fmt.Errorf("image %q: %w", n, err)
		}
		refs[ref] = img
	}
	// A temporary name of its own: two suites may fill one shared cache
	// entry at once, and a fixed name let one rename the other's half.
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	if err := tarball.MultiRefWriteToFile(tmp, refs); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil { // CreateTemp's 0600: the test user reads it
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}
