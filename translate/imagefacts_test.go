package translate

import (
	"slices"
	"testing"
	"time"
)

func TestApplyImages(t *testing.T) {
	facts := map[string]ImageFacts{
		"nginx:1.27": {Ref: "nginx:1.27", Resolved: "index.docker.io/library/nginx@sha256:abc",
			Healthcheck: &ImageHealth{Test: []string{"CMD-SHELL", "curl -f localhost", "|| exit 1"}, Interval: 5 * time.Second, Retries: 2}},
		"redis:7": {Ref: "redis:7", Resolved: "index.docker.io/library/redis@sha256:def", Healthcheck: &ImageHealth{Test: []string{"NONE"}}},
	}
	lookup := func(ref string) (ImageFacts, bool) { f, ok := facts[ref]; return f, ok }
	// A stand-in for images.Mirror with docker.io mirrored to a Harbor
	// (images/mirror_test.go tests the real one).
	mirror := func(ref string) string {
		if ref == "nginx:1.27" {
			return "harbor.example.org/hub/library/nginx:1.27"
		}
		return ref
	}
	own := &Health{Test: []string{"true"}}
	g := &Graph{Services: []*Service{
		{Name: "web", Image: "nginx:1.27"},
		{Name: "web2", Image: "nginx:1.27", Health: own},
		{Name: "cache", Image: "redis:7"},
		{Name: "other", Image: "ghcr.io/x/y:1"},
	}}
	ApplyImages(g, lookup, mirror, true)
	web, web2, cache, other := g.Services[0], g.Services[1], g.Services[2], g.Services[3]
	if web.Image != "harbor.example.org/hub/library/nginx:1.27@sha256:abc" {
		t.Errorf("mirrored and pinned: %s", web.Image)
	}
	if web.Health == nil || !web.Health.Shell || !slices.Equal(web.Health.Test, []string{"curl -f localhost || exit 1"}) ||
		web.Health.Interval == nil || *web.Health.Interval != Duration(5*time.Second) || *web.Health.Retries != 2 {
		t.Errorf("image healthcheck not taken: %+v", web.Health)
	}
	if web2.Health != own {
		t.Error("a compose healthcheck was replaced by the image's")
	}
	if cache.Health == nil || !cache.Health.Disabled {
		t.Errorf("HEALTHCHECK NONE: %+v", cache.Health)
	}
	if other.Image != "ghcr.io/x/y:1" {
		t.Errorf("an image without mirror or lock entry changed: %s", other.Image)
	}
	if len(g.Images) != 2 || g.ImageInfo(web.Image) == nil || g.ImageInfo("nginx:1.27") != nil {
		t.Errorf("facts are keyed by the written reference: %+v", g.Images)
	}
}
