package batch

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// image is one image to pull: the reference as compose gives it, the SIF
// file name in the image cache, and where CVMFS would hold it unpacked.
type image struct {
	ref   string
	sif   string
	cvmfs string // relative to the CVMFS unpacked root; "" = not there
}

// addImage registers ref once and returns its image.
func (p *project) addImage(ref string) image {
	for _, im := range p.images {
		if im.ref == ref {
			return im
		}
	}
	im := image{ref: ref, sif: sifName(ref)}
	if p.o.Site.CVMFSUnpacked != "" {
		im.cvmfs = cvmfsPath(ref)
	}
	p.images = append(p.images, im)
	return im
}

// cvmfsPath is where unpacked.cern.ch keeps an image: registry host,
// repository and tag, with Docker Hub under registry.hub.docker.com.
// Images pinned by digest are not published by digest there.
func cvmfsPath(ref string) string {
	t, err := name.NewTag(ref)
	if err != nil || strings.Contains(ref, "@") {
		return ""
	}
	reg := t.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "registry.hub.docker.com"
	}
	return reg + "/" + t.RepositoryStr() + ":" + t.TagStr()
}

// sifName names the cached SIF after the fully qualified reference, with
// the characters a file name should not hold replaced.
func sifName(ref string) string {
	full := ref
	if r, err := name.ParseReference(ref); err == nil {
		full = strings.TrimPrefix(r.Name(), name.DefaultRegistry+"/")
	}
	b := []byte(full)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b) + ".sif"
}

// ImageFile is what run.sh calls REF's image in its image cache, without
// the extension: NAME.sif, or NAME.tar for an archive a user pre-loads
// (README.txt says how).
func ImageFile(ref string) string { return strings.TrimSuffix(sifName(ref), ".sif") }
