package translate

import (
	"slices"
	"strings"
	"time"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate/images"
)

// ApplyImages gives the Graph what the registries know of its images (a
// lock from images.Resolve or transship.lock; nil for none), as docker
// would see it: each service's reference mirrored (and pinned to its
// digest when pin is set), the facts keyed by that reference, and the
// image's HEALTHCHECK for a service that sets none. The CLI calls it
// before any target runs; a library user calling targets does the same.
func ApplyImages(g *Graph, lock *images.Lock, mirrors map[string]string, pin bool) {
	seen := map[string]bool{}
	for _, s := range g.Services {
		if s.Image == "" {
			continue
		}
		orig := s.Image
		s.Image = images.Mirror(orig, mirrors)
		if lock == nil {
			continue
		}
		info, ok := lock.Lookup(orig)
		if !ok {
			continue
		}
		if pin {
			s.Image = pinned(s.Image, info.Resolved)
		}
		if s.Health == nil && info.Healthcheck != nil {
			s.Health = imageHealth(info.Healthcheck, s)
		}
		if !seen[s.Image] {
			seen[s.Image] = true
			info.Ref = s.Image
			g.Images = append(g.Images, info)
		}
	}
	slices.SortFunc(g.Images, func(a, b images.Info) int { return strings.Compare(a.Ref, b.Ref) })
}

// pinned is ref with the digest of resolved ("repo@sha256:..."): the tag
// stays for readers, the digest decides what runs.
func pinned(ref, resolved string) string {
	_, digest, ok := strings.Cut(resolved, "@")
	if !ok {
		return ref
	}
	ref, _, _ = strings.Cut(ref, "@")
	return ref + "@" + digest
}

// imageHealth is the image's HEALTHCHECK as the service's own, which is
// what docker runs when compose sets none.
func imageHealth(h *images.Healthcheck, s *Service) *Health {
	out := &Health{Src: diag.Src{Pos: s.Src.Pos, Path: "services." + s.Name + ".image"}}
	switch {
	case len(h.Test) == 0:
		return nil
	case h.Test[0] == "NONE":
		out.Disabled = true
		return out
	case h.Test[0] == "CMD-SHELL":
		out.Shell, out.Test = true, []string{strings.Join(h.Test[1:], " ")}
	case h.Test[0] == "CMD":
		out.Test = slices.Clone(h.Test[1:])
	default:
		out.Test = slices.Clone(h.Test)
	}
	dur := func(d time.Duration) *Duration {
		if d == 0 {
			return nil
		}
		v := Duration(d)
		return &v
	}
	out.Interval, out.Timeout, out.StartPeriod, out.StartInterval = dur(h.Interval), dur(h.Timeout), dur(h.StartPeriod), dur(h.StartInterval)
	if h.Retries > 0 {
		r := uint64(h.Retries)
		out.Retries = &r
	}
	return out
}
