package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/transship/transship/diag"
)

// ApplyImages gives the Graph what the registries know of its images, as
// docker would see it: each service's reference mirrored (and pinned to
// its digest when pin is set), the facts keyed by that reference, and the
// image's HEALTHCHECK for a service that sets none. The facts come from
// the edge (package images: a registry lookup or transship.lock): lookup
// answers for a reference as compose wrote it (nil: no facts), mirror
// rewrites a reference to the registry mirror it is pulled from (nil:
// none). The CLI calls it before any target runs; a library user calling
// targets does the same.
func ApplyImages(g *Graph, lookup func(ref string) (ImageFacts, bool), mirror func(ref string) string, pin bool) {
	seen := map[string]bool{}
	for _, s := range g.Services {
		if s.Image == "" {
			continue
		}
		orig := s.Image
		if mirror != nil {
			s.Image = mirror(orig)
		}
		if lookup == nil {
			continue
		}
		info, ok := lookup(orig)
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
	slices.SortFunc(g.Images, func(a, b ImageFacts) int { return strings.Compare(a.Ref, b.Ref) })
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
func imageHealth(h *ImageHealth, s *Service) *Health {
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

// ImageFacts is what transship knows of one image reference, from its registry.
type ImageFacts struct {
	Ref string `json:"ref"` // the reference as compose gives it (the key)
	// Resolved is the canonical name of Ref's own repository (not the
	// mirror's, so the output does not depend on where it was looked up)
	// with the digest of the image manifest: for an index, the digest of
	// the chosen platform's manifest.
	Resolved     string            `json:"resolved"`
	IndexDigest  string            `json:"index_digest,omitempty"` // when the reference points at a multi-arch index
	Platform     string            `json:"platform"`               // os/arch[/variant] of the image
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"` // in the image's order
	WorkingDir   string            `json:"working_dir,omitempty"`
	User         string            `json:"user,omitempty"`
	ExposedPorts []string          `json:"exposed_ports,omitempty"` // "80/tcp", sorted
	Healthcheck  *ImageHealth      `json:"healthcheck,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
}

// ImageHealth is the image's HEALTHCHECK. Zero durations and retries mean
// the runtime's default, as in the image config.
type ImageHealth struct {
	Test          []string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// healthJSON is ImageHealth's file form: durations as Go writes them
// ("30s"), so a lock file reads like a compose file rather than in
// nanoseconds.
type healthJSON struct {
	Test          []string `json:"test,omitempty"`
	Interval      string   `json:"interval,omitempty"`
	Timeout       string   `json:"timeout,omitempty"`
	StartPeriod   string   `json:"start_period,omitempty"`
	StartInterval string   `json:"start_interval,omitempty"`
	Retries       int      `json:"retries,omitempty"`
}

func durText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes durations as strings, omitting zero values.
func (h ImageHealth) MarshalJSON() ([]byte, error) {
	return json.Marshal(healthJSON{
		Test: h.Test, Retries: h.Retries,
		Interval: durText(h.Interval), Timeout: durText(h.Timeout),
		StartPeriod: durText(h.StartPeriod), StartInterval: durText(h.StartInterval),
	})
}

// UnmarshalJSON is strict like images.ParseLock: a custom unmarshaler does not
// inherit the outer decoder's DisallowUnknownFields, so it sets its own.
func (h *ImageHealth) UnmarshalJSON(data []byte) error {
	var j healthJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	out := ImageHealth{Test: j.Test, Retries: j.Retries}
	for _, f := range []struct {
		name string
		text string
		dst  *time.Duration
	}{
		{"interval", j.Interval, &out.Interval},
		{"timeout", j.Timeout, &out.Timeout},
		{"start_period", j.StartPeriod, &out.StartPeriod},
		{"start_interval", j.StartInterval, &out.StartInterval},
	} {
		if f.text == "" {
			continue
		}
		d, err := time.ParseDuration(f.text)
		if err != nil {
			return fmt.Errorf("healthcheck %s: %w", f.name, err)
		}
		*f.dst = d
	}
	*h = out
	return nil
}
