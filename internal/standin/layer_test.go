package standin

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestLayer: entries in the order given, each after the parent
// directories not written yet, owner 0, times at the epoch, and the same
// bytes for the same files.
func TestLayer(t *testing.T) {
	files := []File{
		{Path: "tmp/", Mode: 0o1777},
		{Path: "usr/local/bin/tool", Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		{Path: "usr/local/bin/alias", Link: "/usr/local/bin/tool"},
		{Path: "etc/app.conf", Data: []byte("a = 1\n"), Mode: 0o644},
	}
	a, err := Layer(files)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Layer(files)
	if !bytes.Equal(a, b) {
		t.Error("the same files gave different layers")
	}
	var got []string
	tr := tar.NewReader(bytes.NewReader(a))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: owner %d:%d, time %v; want 0:0 at the epoch", h.Name, h.Uid, h.Gid, h.ModTime)
		}
		got = append(got, string(h.Typeflag)+" "+h.Name+" "+h.Linkname)
	}
	want := []string{"5 tmp/ ", "5 usr/ ", "5 usr/local/ ", "5 usr/local/bin/ ", "0 usr/local/bin/tool ",
		"2 usr/local/bin/alias /usr/local/bin/tool", "5 etc/ ", "0 etc/app.conf "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWriteDockerSideBySide: suites fill one shared cache entry at once
// (review4 finding 4): each write has a temporary file of its own, so
// every one succeeds and the entry is a whole archive. With one fixed
// temporary name, a write renamed another's half-written file, or found
// its own gone.
func TestWriteDockerSideBySide(t *testing.T) {
	out := filepath.Join(t.TempDir(), "base.tar")
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer(bytes.Repeat([]byte("x"), 1<<20), types.DockerLayer))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = WriteDocker(out, map[string]v1.Image{"transship.test/base:1": img}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if _, err := tarball.ImageFromPath(out, nil); err != nil {
		t.Errorf("the cached archive is not whole: %v", err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the archive's mode: %v %v, want 0644 (the test user reads it)", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
