package vmtest

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/transship/transship/internal/standin"
)

// writeImages writes a `docker load` tarball holding one busybox image
// under every tag: the guest has no registry, so the images its compose
// project names are made here (internal/standin) from the guest's own
// busybox-static binary (the same busybox release as Docker Hub's busybox
// image, with every applet linked into /bin). Same binary, same bytes:
// the tarball, and so the cache key of the base image, is reproducible.
func writeImages(busybox, out string, tags []string) error {
	bb, err := standin.BusyboxFiles(busybox, nil)
	if err != nil {
		return err
	}
	// The few files a busybox image has besides (/etc/passwd, /tmp, /root).
	files := []standin.File{
		{Path: "bin/", Mode: 0o755},
		bb[0], // bin/busybox
		{Path: "etc/", Mode: 0o755},
		{Path: "etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
		{Path: "etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")},
		{Path: "root/", Mode: 0o700},
		{Path: "tmp/", Mode: 0o1777},
	}
	img, err := standin.NewImage(append(files, bb[1:]...), standin.Config{Config: v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}})
	if err != nil {
		return err
	}
	imgs := map[string]v1.Image{}
	for _, t := range tags {
		imgs[t] = img
	}
	return standin.WriteDocker(out, imgs)
}
