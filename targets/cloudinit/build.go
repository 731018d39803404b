package cloudinit

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// A service with build: and no image: runs the image compose tags its
// build with, <project>-<service>, as on the other targets (K8S102,
// BAT128). Unlike them, the VM has docker, so it can build that image
// itself when it has the build context: a context inside the project,
// small enough, travels in the user-data and the unit runs `docker compose
// build` for those services before `up`. Otherwise (a context outside the
// project, one that cannot be read or does not fit, or --image-prefix,
// which says a CI pushes the builds) compose.transship.yaml drops the
// build with `build: !reset null` (compose >= 2.24; EGI's image has
// 2.29) and names the image, which the VM then pulls.

// BuildContexts lists, sorted, the build contexts of services with build:
// and no image: that the user-data may carry: inside the project, with
// their Dockerfile inside them. The edge reads them into
// Options.Contexts (translate.ReadProjectDirs). With an image prefix
// there are none: the VM pulls every such image.
func BuildContexts(g *translate.Graph, prefix string) []string {
	if prefix != "" {
		return []string{}
	}
	set := map[string]bool{}
	for _, s := range g.Services {
		if s.Image == "" && s.Build != nil && shippable(s.Build) == "" {
			set[path.Clean(s.Build.Context)] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// shippable says why a build cannot be shipped with the project, or "".
func shippable(b *translate.Build) string {
	switch {
	case b.Context == "" || strings.Contains(b.Context, "://") || strings.HasPrefix(b.Context, "git@"):
		return "its build context is not a directory of the project"
	case !inProject(b.Context):
		return "its build context " + b.Context + " is outside the project"
	case !b.Inline && b.Dockerfile != "" && !inProject(b.Dockerfile):
		return "its Dockerfile " + b.Dockerfile + " is outside the build context"
	}
	return ""
}

// builds decides, for each service with build: and no image:, whether the
// VM builds it (its context shipped) or pulls it; ship false ships none.
// It adds the context files after the project's, skipping those already
// written and secret files (which --secrets prompt keeps out).
func (p *plan) builds(g *translate.Graph, o Options, ship bool, why string) {
	written := map[string]bool{}
	for _, f := range p.files {
		written[f.path] = true
	}
	for _, s := range g.Services {
		if s.Image != "" || s.Build == nil {
			continue
		}
		name := targets.BuiltImage(o.ImagePrefix, g.Name, s.Name)
		reason := shippable(s.Build)
		dd, read := o.Contexts[path.Clean(s.Build.Context)]
		switch {
		case o.ImagePrefix != "":
			reason = "--image-prefix says the builds are pushed"
		case reason != "":
		case !read:
			reason = "its build context " + s.Build.Context + " was not read"
		case dd.Problem != "":
			reason = "its build context " + s.Build.Context + " is not shipped: " + dd.Problem
		case !ship:
			reason = why
		}
		if reason != "" {
			p.pulled = append(p.pulled, pulledImage{service: s.Name, image: name})
			p.diags = append(p.diags, diag.Warnf(CodeBuilt, s.BuildSrc, "service %s is built from %s and names no image; %s, so the VM pulls %q, which must be pushed to a registry the VM can pull from (or loaded with docker load on the VM before the unit starts)", s.Name, contextName(s.Build), reason, name))
			continue
		}
		n := 0
		for _, f := range dd.Files {
			rel := path.Join(path.Clean(s.Build.Context), f.Path)
			if p.secret[rel] {
				continue
			}
			n++ // it travels, whether this service's context adds it or not
			if written[p.dir+"/"+rel] {
				continue
			}
			perm := "0644"
			if f.Exec {
				perm = "0755"
			}
			if p.private[rel] || path.Base(rel) == ".env" {
				perm = "0600"
			}
			p.add(rel, f.Data, perm)
			written[p.dir+"/"+rel] = true
		}
		p.built = append(p.built, s.Name)
		if name != g.Name+"-"+s.Name {
			// compose would tag the build with upper case, which docker
			// refuses: the override names the image it builds.
			p.renamed = append(p.renamed, pulledImage{service: s.Name, image: name})
		}
		p.diags = append(p.diags, diag.Warnf(CodeBuilt, s.BuildSrc, "service %s is built from %s and names no image; the build context travels in the user-data (%s) and the VM builds %q with docker compose build before the app starts", s.Name, contextName(s.Build), files(n), name))
	}
}

// files is "1 file" or "N files".
func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return strconv.Itoa(n) + " files"
}

// pulledImage is a build-only service whose image the VM pulls (or, in
// renamed, builds under a name compose would not give it).
type pulledImage struct{ service, image string }

func contextName(b *translate.Build) string {
	if b.Context == "" {
		return "a build context"
	}
	return b.Context
}

// pulledOverride is compose.transship.yaml's services: each pulled build
// loses its build and gets the image name; a renamed one keeps its build
// and gets the name its build is tagged with.
func (p *plan) pulledOverride() *yaml.Node {
	if len(p.pulled) == 0 && len(p.renamed) == 0 {
		return nil
	}
	svcs := mapping()
	for _, b := range p.pulled {
		reset := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!reset", Value: "null"}
		svcs.Content = append(svcs.Content, str(b.service), mapping("build", reset, "image", str(b.image)))
	}
	for _, b := range p.renamed {
		svcs.Content = append(svcs.Content, str(b.service), mapping("image", str(b.image)))
	}
	return svcs
}
