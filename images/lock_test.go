package images

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/translate"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func lockInfos() []translate.ImageFacts {
	return []translate.ImageFacts{
		{
			Ref: "redis:7", Resolved: "index.docker.io/library/redis@" + testDigest,
			IndexDigest: testDigest, Platform: "linux/amd64", Cmd: []string{"redis-server"},
			ExposedPorts: []string{"6379/tcp"},
		},
		{
			Ref: "nginx:1.27", Resolved: "index.docker.io/library/nginx@" + testDigest,
			Platform: "linux/amd64", Env: []string{"URL=http://x/?a=1&b=2"},
			Healthcheck: &translate.ImageHealth{
				Test: []string{"CMD", "true"}, Interval: 30 * time.Second,
				StartInterval: 2 * time.Second, Retries: 3,
			},
			Labels: map[string]string{"z": "1", "a": "2"},
		},
	}
}

func TestLockMarshal(t *testing.T) {
	o := Options{Mirrors: map[string]string{"docker.io": "harbor.example.org/dockerhub"}}
	infos := lockInfos()
	a := NewLock(infos, o).Marshal()
	infos[0], infos[1] = infos[1], infos[0]
	if b := NewLock(infos, o).Marshal(); !bytes.Equal(a, b) {
		t.Errorf("Marshal depends on input order:\n%s\n%s", a, b)
	}
	l := &Lock{Version: 1, Platform: "linux/amd64", Images: infos} // unsorted
	if b := l.Marshal(); !bytes.Equal(a, b) {
		t.Errorf("Marshal does not sort images:\n%s\n%s", a, b)
	}
	s := string(a)
	for _, want := range []string{
		"{\n  \"version\": 1,\n  \"platform\": \"linux/amd64\",\n",
		`"interval": "30s"`, `"start_interval": "2s"`,
		`"URL=http://x/?a=1&b=2"`, // not \u0026
		"\"labels\": {\n        \"a\": \"2\",\n        \"z\": \"1\"",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("lock lacks %q:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, "}\n") || strings.Index(s, "nginx") > strings.Index(s, "redis") {
		t.Errorf("want trailing newline and images sorted:\n%s", s)
	}
	if got := (&Lock{Version: 1, Platform: "linux/amd64"}).Marshal(); !bytes.Contains(got, []byte(`"images": []`)) {
		t.Errorf("empty lock: %s", got)
	}
}

func TestLockRoundTrip(t *testing.T) {
	l := NewLock(lockInfos(), Options{Platform: "linux/arm64/v8"})
	got, err := ParseLock(l.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, l)
	}
	if info, ok := got.Lookup("redis:7"); !ok || info.Cmd[0] != "redis-server" {
		t.Errorf("Lookup(redis:7) = %+v, %v", info, ok)
	}
	if _, ok := got.Lookup("redis"); ok {
		t.Error("Lookup matched a different spelling of the reference")
	}
}

func TestParseLockErrors(t *testing.T) {
	good := string(NewLock(lockInfos(), Options{}).Marshal())
	for name, tc := range map[string]struct{ data, want string }{
		"unknown top field":   {strings.Replace(good, `"version": 1,`, `"version": 1, "generated": "now",`, 1), `unknown field "generated"`},
		"unknown image field": {strings.Replace(good, `"ref": "redis:7",`, `"ref": "redis:7", "digest": "x",`, 1), `unknown field "digest"`},
		"unknown health field": {strings.Replace(good, `"retries": 3`, `"retries": 3, "disable": true`, 1),
			`unknown field "disable"`},
		"bad duration":  {strings.Replace(good, `"30s"`, `"30 seconds"`, 1), "healthcheck interval"},
		"version 2":     {strings.Replace(good, `"version": 1`, `"version": 2`, 1), "version 2 is not supported"},
		"no version":    {strings.Replace(good, `"version": 1,`, ``, 1), "version 0 is not supported"},
		"bad platform":  {strings.Replace(good, `"platform": "linux/amd64",`, `"platform": "amd64",`, 1), "invalid platform"},
		"no digest":     {strings.Replace(good, "index.docker.io/library/redis@"+testDigest, "redis:7", 1), "has no sha256 digest"},
		"duplicate ref": {strings.Replace(good, `"ref": "redis:7"`, `"ref": "nginx:1.27"`, 1), "listed twice"},
		"trailing data": {good + "{}", "unexpected data"},
		"not json":      {"version: 1", "invalid character"},
	} {
		if _, err := ParseLock([]byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}

func TestLockStale(t *testing.T) {
	o := Options{Mirrors: map[string]string{"docker.io": "harbor.example.org/dockerhub"}}
	l := NewLock(lockInfos(), o)
	refs := []string{"redis:7", "nginx:1.27", "redis:7"}
	if got := l.Stale(refs, o); len(got) != 0 {
		t.Errorf("fresh lock is stale: %q", got)
	}
	same := Options{Platform: "linux/amd64", Mirrors: map[string]string{"index.docker.io": "https://harbor.example.org/dockerhub/"}}
	if got := l.Stale(refs, same); len(got) != 0 {
		t.Errorf("equivalent options make it stale: %q", got)
	}
	other := Options{Platform: "linux/arm64"}
	want := []string{
		"platform: the lock has linux/amd64, now linux/arm64",
		"postgres:16: not in the lock",
		"nginx:1.27: in the lock but no longer used",
	}
	if got := l.Stale([]string{"redis:7", "postgres:16"}, other); !reflect.DeepEqual(got, want) {
		t.Errorf("Stale:\n got %q\nwant %q", got, want)
	}
}
