package images

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestMirror(t *testing.T) {
	const dig = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	hub := map[string]string{"docker.io": "harbor.example.org/dockerhub"}
	for _, tc := range []struct {
		ref     string
		mirrors map[string]string
		want    string
	}{
		{"nginx", hub, "harbor.example.org/dockerhub/library/nginx:latest"},
		{"nginx:1.27", hub, "harbor.example.org/dockerhub/library/nginx:1.27"},
		{"docker.io/library/nginx:1.27", hub, "harbor.example.org/dockerhub/library/nginx:1.27"},
		{"index.docker.io/bitnami/redis:7", hub, "harbor.example.org/dockerhub/bitnami/redis:7"},
		{"bitnami/redis:7", map[string]string{"index.docker.io": "m.example"}, "m.example/bitnami/redis:7"},
		{"redis", map[string]string{"registry-1.docker.io": "m.example"}, "m.example/library/redis:latest"},
		{"redis", map[string]string{"https://Docker.io/": "https://m.example/hub/"}, "m.example/hub/library/redis:latest"},
		{"nginx@" + dig, hub, "harbor.example.org/dockerhub/library/nginx@" + dig},
		{"nginx:1.27@" + dig, hub, "harbor.example.org/dockerhub/library/nginx@" + dig}, // the digest decides
		{"ghcr.io/a/b:1", hub, "ghcr.io/a/b:1"},
		{"ghcr.io/a/b:1", map[string]string{"ghcr.io": "m.example/ghcr"}, "m.example/ghcr/a/b:1"},
		{"localhost:5000/app:1", map[string]string{"localhost:5000": "m.example/local"}, "m.example/local/app:1"},
		{"nginx", nil, "nginx"},
		{"nginx", map[string]string{"docker.io": ""}, "nginx"},
		{"Not A Ref", hub, "Not A Ref"},
	} {
		if got := Mirror(tc.ref, tc.mirrors); got != tc.want {
			t.Errorf("Mirror(%q, %v) = %q, want %q", tc.ref, tc.mirrors, got, tc.want)
		}
	}
}

// Two spellings of one registry: the sorted-first key wins, every time.
func TestMirrorDuplicateKeys(t *testing.T) {
	m := map[string]string{"index.docker.io": "b.example", "docker.io": "a.example"}
	for range 20 {
		if got := Mirror("nginx:1", m); got != "a.example/library/nginx:1" {
			t.Fatalf("got %q", got)
		}
	}
}

func TestResolveMirror(t *testing.T) {
	reg := newRegistry(t, nil)
	dig := reg.pushImage(t, "dockerhub/library/x:1", testImage(t, "amd64", v1.Config{WorkingDir: "/x"}))
	o := testOptions()
	o.Mirrors = map[string]string{"docker.io": reg.host + "/dockerhub"}

	// None of these may leave loopback: the test transport refuses it.
	infos, problems := Resolve(context.Background(), []string{"docker.io/library/x:1", "x:1", "x:2"}, o)
	if len(infos) != 2 {
		t.Fatalf("infos %+v problems %+v", infos, problems)
	}
	for i, ref := range []string{"docker.io/library/x:1", "x:1"} {
		got := infos[i]
		if got.Ref != ref || got.Resolved != "index.docker.io/library/x@"+dig.String() || got.WorkingDir != "/x" {
			t.Errorf("info %d: %+v", i, got)
		}
	}
	want := "manifest unknown (404) at mirror " + reg.host + "/dockerhub/library/x:2"
	if len(problems) != 1 || problems[0].Ref != "x:2" || problems[0].Err != want {
		t.Errorf("problems: %+v, want %q", problems, want)
	}
}
