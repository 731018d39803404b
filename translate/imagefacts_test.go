package translate

import (
	"slices"
	"testing"
	"time"

	"github.com/transship/transship/translate/images"
)

func TestApplyImages(t *testing.T) {
	lock := images.NewLock([]images.Info{
		{Ref: "nginx:1.27", Resolved: "index.docker.io/library/nginx@sha256:abc",
			Healthcheck: &images.Healthcheck{Test: []string{"CMD-SHELL", "curl -f localhost", "|| exit 1"}, Interval: 5 * time.Second, Retries: 2}},
		{Ref: "redis:7", Resolved: "index.docker.io/library/redis@sha256:def", Healthcheck: &images.Healthcheck{Test: []string{"NONE"}}},
	}, images.Options{})
	own := &Health{Test: []string{"true"}}
	g := &Graph{Services: []*Service{
		{Name: "web", Image: "nginx:1.27"},
		{Name: "web2", Image: "nginx:1.27", Health: own},
		{Name: "cache", Image: "redis:7"},
		{Name: "other", Image: "ghcr.io/x/y:1"},
	}}
	ApplyImages(g, lock, map[string]string{"docker.io": "harbor.example.org/hub"}, true)
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
