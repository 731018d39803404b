package images

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/transship/transship/translate"
)

// noRetry turns off go-containerregistry's own retries (1s, 3s backoff on
// every request): resolver.one retries whole attempts itself, with a
// shorter backoff and a per-attempt timeout, and must count them.
func noRetry(error) bool { return false }

func (r *resolver) remoteOpts(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(r.keychain),
		remote.WithPlatform(r.plat),
		remote.WithTransport(r.transport),
		remote.WithRetryPredicate(noRetry),
		remote.WithRetryStatusCodes(),
		remote.WithUserAgent("transship"),
	}
}

// attempt is one try at a reference, bounded by Options.Timeout. It
// returns the image's info (without Ref and Resolved) and the digest of
// the image manifest.
func (r *resolver) attempt(ctx context.Context, ref name.Reference) (translate.ImageFacts, v1.Hash, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	desc, err := remote.Get(ref, r.remoteOpts(ctx)...)
	if err != nil {
		return translate.ImageFacts{}, v1.Hash{}, err
	}
	var info translate.ImageFacts
	var img v1.Image
	digest := desc.Digest
	switch {
	case desc.MediaType.IsIndex():
		img, digest, err = r.fromIndex(desc, &info)
	case desc.MediaType.IsImage():
		img, err = desc.Image()
	default:
		err = fmt.Errorf("not a container image (media type %s)", desc.MediaType)
	}
	if err != nil {
		return translate.ImageFacts{}, v1.Hash{}, err
	}
	if err := checkConfigType(img); err != nil {
		return translate.ImageFacts{}, v1.Hash{}, err
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return translate.ImageFacts{}, v1.Hash{}, err
	}
	return info, digest, fillConfig(&info, raw)
}

// fromIndex picks the platform's image from a multi-arch index. It does
// the matching itself rather than through desc.Image() so that a missing
// platform can say which ones the index has.
func (r *resolver) fromIndex(desc *remote.Descriptor, info *translate.ImageFacts) (v1.Image, v1.Hash, error) {
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, v1.Hash{}, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Hash{}, err
	}
	child, p, err := pickChild(im, r.plat)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	img, err := idx.Image(child.Digest)
	if err != nil {
		return nil, v1.Hash{}, err
	}
	info.IndexDigest = desc.Digest.String()
	info.Platform = platformString(p.OS, p.Architecture, p.Variant)
	return img, child.Digest, nil
}

// pickChild finds want's image manifest in an index. An entry without a
// platform counts as linux/amd64, as go-containerregistry and docker read
// it; nested indexes are not followed (no registry in use builds them).
func pickChild(im *v1.IndexManifest, want v1.Platform) (v1.Descriptor, v1.Platform, error) {
	var have []string
	for _, d := range im.Manifests {
		p := v1.Platform{OS: "linux", Architecture: "amd64"}
		if d.Platform != nil {
			p = *d.Platform
		}
		if p.OS == "unknown" { // buildx attestations, not runnable images
			continue
		}
		if !d.MediaType.IsIndex() && platformMatches(p, want) {
			return d, p, nil
		}
		have = append(have, platformString(p.OS, p.Architecture, p.Variant))
	}
	return v1.Descriptor{}, v1.Platform{}, fmt.Errorf("no %s image in the index (it has %s)",
		platformString(want.OS, want.Architecture, want.Variant), orNone(have))
}

// platformMatches is docker's rule: OS and architecture equal, the variant
// too when one is asked for, with arm64's variant defaulting to v8.
func platformMatches(have, want v1.Platform) bool {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return false
	}
	if want.Variant == "" || want.Variant == have.Variant {
		return true
	}
	v8 := func(v string) bool { return v == "" || v == "v8" }
	return want.Architecture == "arm64" && v8(want.Variant) && v8(have.Variant)
}

// checkConfigType refuses OCI artifacts (Helm charts, signatures...) that
// use an image manifest around a config that is not an image config:
// their "config" would parse as an empty one and look like a real image.
func checkConfigType(img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	if mt := m.Config.MediaType; mt != "" && !mt.IsConfig() {
		return fmt.Errorf("not a container image (config media type %s)", mt)
	}
	return nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no runnable images"
	}
	return strings.Join(list, ", ")
}
