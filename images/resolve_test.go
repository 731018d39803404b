package images

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/transship/transship/translate"
)

func fullConfig() v1.Config {
	return v1.Config{
		Entrypoint:   []string{"/docker-entrypoint.sh"},
		Cmd:          []string{"nginx", "-g", "daemon off;"},
		Env:          []string{"PATH=/usr/sbin:/usr/bin", "URL=http://x/?a=1&b=2"},
		WorkingDir:   "/srv",
		User:         "101:101",
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "443/tcp": {}, "53/udp": {}},
		Healthcheck: &v1.HealthConfig{
			Test:     []string{"CMD-SHELL", "curl -f http://localhost/ || exit 1"},
			Interval: 30 * time.Second, Timeout: 5 * time.Second,
			StartPeriod: 10 * time.Second, Retries: 3,
		},
		Labels: map[string]string{"org.opencontainers.image.version": "1.27"},
	}
}

func TestResolvePlainImage(t *testing.T) {
	reg := newRegistry(t, nil)
	dig := reg.pushImage(t, "web/nginx:1.27", testImage(t, "amd64", fullConfig()))
	ref := reg.host + "/web/nginx:1.27"
	byDigest := reg.host + "/web/nginx@" + dig.String()

	infos, problems := Resolve(context.Background(), []string{ref, byDigest, ref}, testOptions())
	if len(problems) != 0 || len(infos) != 2 {
		t.Fatalf("want 2 infos (deduplicated), got %+v, problems %+v", infos, problems)
	}
	want := translate.ImageFacts{
		Ref:          ref,
		Resolved:     reg.host + "/web/nginx@" + dig.String(),
		Platform:     "linux/amd64",
		Entrypoint:   []string{"/docker-entrypoint.sh"},
		Cmd:          []string{"nginx", "-g", "daemon off;"},
		Env:          []string{"PATH=/usr/sbin:/usr/bin", "URL=http://x/?a=1&b=2"},
		WorkingDir:   "/srv",
		User:         "101:101",
		ExposedPorts: []string{"443/tcp", "53/udp", "80/tcp"},
		Healthcheck: &translate.ImageHealth{
			Test:     []string{"CMD-SHELL", "curl -f http://localhost/ || exit 1"},
			Interval: 30 * time.Second, Timeout: 5 * time.Second,
			StartPeriod: 10 * time.Second, Retries: 3,
		},
		Labels: map[string]string{"org.opencontainers.image.version": "1.27"},
	}
	// Sorted by Ref: the ":" of the tag sorts before the "@" of the digest.
	if !reflect.DeepEqual(infos[0], want) {
		t.Errorf("tag:\n got %+v\nwant %+v", infos[0], want)
	}
	want.Ref = byDigest
	if !reflect.DeepEqual(infos[1], want) {
		t.Errorf("digest:\n got %+v\nwant %+v", infos[1], want)
	}
}

func TestResolveIndex(t *testing.T) {
	reg := newRegistry(t, nil)
	amd := testImage(t, "amd64", v1.Config{Cmd: []string{"amd64"}, User: "1"})
	arm := testImage(t, "arm64", v1.Config{Cmd: []string{"arm64"}, User: "2"})
	idx := testIndex(
		platformImage{v1.Platform{OS: "linux", Architecture: "amd64"}, amd},
		platformImage{v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, arm},
	)
	idxDig := reg.pushIndex(t, "multi:1", idx)
	ref := reg.host + "/multi:1"
	amdDig, _ := amd.Digest()
	armDig, _ := arm.Digest()

	for _, tc := range []struct {
		platform, wantPlatform, wantCmd string
		wantDigest                      v1.Hash
	}{
		{"", "linux/amd64", "amd64", amdDig},
		{"linux/amd64", "linux/amd64", "amd64", amdDig},
		{"linux/arm64", "linux/arm64/v8", "arm64", armDig},
		{"linux/arm64/v8", "linux/arm64/v8", "arm64", armDig},
	} {
		o := testOptions()
		o.Platform = tc.platform
		info, _ := resolveOne(t, ref, o, false)
		if info.Platform != tc.wantPlatform || info.Cmd[0] != tc.wantCmd ||
			info.Resolved != reg.host+"/multi@"+tc.wantDigest.String() || info.IndexDigest != idxDig.String() {
			t.Errorf("platform %q: got %+v", tc.platform, info)
		}
	}

	o := testOptions()
	o.Platform = "linux/s390x"
	_, p := resolveOne(t, ref, o, true)
	if want := "no linux/s390x image in the index (it has linux/amd64, linux/arm64/v8)"; p.Err != want {
		t.Errorf("missing platform: got %q, want %q", p.Err, want)
	}
	o.Platform = "linux"
	if _, p := resolveOne(t, ref, o, true); !strings.Contains(p.Err, `invalid platform "linux"`) {
		t.Errorf("bad platform: got %q", p.Err)
	}
}

func TestResolveMissing(t *testing.T) {
	reg := newRegistry(t, nil)
	reg.pushImage(t, "app:1", testImage(t, "amd64", v1.Config{}))
	good := reg.host + "/app:1"
	noTag := reg.host + "/app:2"
	noRepo := reg.host + "/nothere:1"
	bad := "Not/A::Ref"

	infos, problems := Resolve(context.Background(), []string{noTag, good, noRepo, bad}, testOptions())
	if len(infos) != 1 || infos[0].Ref != good {
		t.Errorf("infos: %+v", infos)
	}
	want := []Problem{ // sorted by Ref
		{noTag, "manifest unknown (404)"},
		{noRepo, "repository not found (404)"},
		{bad, "invalid image reference: could not parse reference: Not/A::Ref"},
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems:\n got %+v\nwant %+v", problems, want)
	}
	if got := problems[0].String(); got != noTag+": manifest unknown (404)" {
		t.Errorf("Problem.String: %q", got)
	}
}

func TestResolveAuth(t *testing.T) {
	reg := newRegistry(t, basicAuth("ci", "s3cret"))
	reg.pushImage(t, "private/app:1", testImage(t, "amd64", v1.Config{User: "app"}))
	ref := reg.host + "/private/app:1"

	o := testOptions()
	o.Keychain = staticKeychain{"ci", "s3cret"}
	if info, _ := resolveOne(t, ref, o, false); info.User != "app" {
		t.Errorf("with credentials: %+v", info)
	}
	for name, kc := range map[string]staticKeychain{"wrong": {"ci", "nope"}, "anonymous": {}} {
		o.Keychain = kc
		// 401 is never retried: no "(n attempts)".
		if _, p := resolveOne(t, ref, o, true); p.Err != "unauthorized: check docker login" {
			t.Errorf("%s credentials: got %q", name, p.Err)
		}
	}
}

// With no Keychain the user's docker config is read: DOCKER_CONFIG points
// at one holding the test registry's credentials.
func TestResolveDockerConfig(t *testing.T) {
	reg := newRegistry(t, basicAuth("ci", "s3cret"))
	reg.pushImage(t, "private/app:1", testImage(t, "amd64", v1.Config{User: "app"}))
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("ci:s3cret"))
	cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, reg.host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	o := testOptions()
	o.Keychain = nil
	refs := []string{reg.host + "/private/app:1", reg.host + "/private/app@sha256:" + strings.Repeat("0", 64)}
	infos, problems := Resolve(context.Background(), refs, o)
	if len(infos) != 1 || infos[0].User != "app" || len(problems) != 1 || problems[0].Err != "manifest unknown (404)" {
		t.Errorf("infos %+v problems %+v", infos, problems)
	}
}

func TestResolveTimeout(t *testing.T) {
	reg := newRegistry(t, delay(5*time.Second))
	reg.pushImage(t, "slow:1", testImage(t, "amd64", v1.Config{}))
	o := testOptions()
	o.Timeout = 200 * time.Millisecond

	start := time.Now()
	_, p := resolveOne(t, reg.host+"/slow:1", o, true)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Resolve took %v with a 200ms timeout", took)
	}
	if p.Err != "timeout after 200ms (3 attempts)" {
		t.Errorf("got %q", p.Err)
	}
}

func TestResolveCanceled(t *testing.T) {
	reg := newRegistry(t, delay(5*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	infos, problems := Resolve(ctx, []string{reg.host + "/a:1", reg.host + "/b:1"}, testOptions())
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Resolve took %v after cancel", took)
	}
	if len(infos) != 0 || len(problems) != 2 || problems[0].Err != "canceled: context canceled" {
		t.Errorf("infos %+v problems %+v", infos, problems)
	}
}

func TestResolveRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		failFirst int64
		retries   int
		wantErr   string
		wantCalls int64 // requests the failing wrapper saw, when failing
	}{
		{"503 twice then ok", 503, 2, 0, "", 0},
		{"429 once then ok", 429, 1, 0, "", 0},
		{"always 503", 503, -1, 0, "registry error: 503 Service Unavailable (3 attempts)", 3},
		{"no retries", 503, -1, -1, "registry error: 503 Service Unavailable", 1},
		{"404 is not retried", 404, -1, 0, "not a registry (GET /v2/ answered 404)", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			reg := newRegistry(t, failFirst(tc.failFirst, tc.status, &calls))
			reg.pushImage(t, "flaky:1", testImage(t, "amd64", v1.Config{User: "x"}))
			o := testOptions()
			o.Retries = tc.retries
			info, p := resolveOne(t, reg.host+"/flaky:1", o, tc.wantErr != "")
			if tc.wantErr == "" {
				if info.User != "x" {
					t.Errorf("got %+v", info)
				}
				return
			}
			if p.Err != tc.wantErr {
				t.Errorf("got %q, want %q", p.Err, tc.wantErr)
			}
			if got := calls.Load(); got != tc.wantCalls {
				t.Errorf("registry saw %d requests, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestResolveUnreachable(t *testing.T) {
	// Port 1 on loopback: nothing listens, the dial is refused at once.
	_, p := resolveOne(t, "127.0.0.1:1/nothing:1", testOptions(), true)
	if !strings.HasPrefix(p.Err, "cannot reach 127.0.0.1:1: ") || !strings.HasSuffix(p.Err, "(3 attempts)") {
		t.Errorf("closed port: got %q", p.Err)
	}
}

func TestResolveNotAnImage(t *testing.T) {
	reg := newRegistry(t, nil)
	chart := mutate.ConfigMediaType(testImage(t, "amd64", v1.Config{}), "application/vnd.cncf.helm.config.v1+json")
	reg.pushImage(t, "charts/app:1", chart)
	_, p := resolveOne(t, reg.host+"/charts/app:1", testOptions(), true)
	if want := "not a container image (config media type application/vnd.cncf.helm.config.v1+json)"; p.Err != want {
		t.Errorf("got %q, want %q", p.Err, want)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{100 * time.Millisecond, 400 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a\n  b\tc"); got != "a b c" {
		t.Errorf("oneLine: %q", got)
	}
	if got := oneLine(strings.Repeat("x", 400)); len(got) != 303 {
		t.Errorf("oneLine did not cut: %d", len(got))
	}
}
