package standin

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"
	"testing"
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
