package images

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/transship/transship/translate"
)

// testRegistry is an in-memory registry on loopback. Images are pushed
// through push, a plain server; lookups go to host, the same registry
// behind the test's wrapper (auth, delays, failures), so that setting up
// an image never goes through the behaviour under test.
type testRegistry struct {
	push string // host:port of the unwrapped registry
	host string // host:port of the wrapped one
}

func newRegistry(t testing.TB, wrap func(http.Handler) http.Handler) *testRegistry {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	plain := httptest.NewServer(h)
	t.Cleanup(plain.Close)
	if wrap != nil {
		h = wrap(h)
	}
	wrapped := httptest.NewServer(h)
	t.Cleanup(wrapped.Close)
	return &testRegistry{
		push: strings.TrimPrefix(plain.URL, "http://"),
		host: strings.TrimPrefix(wrapped.URL, "http://"),
	}
}

// pushImage stores img as repoTag ("app:1") and returns its digest.
func (r *testRegistry) pushImage(t testing.TB, repoTag string, img v1.Image) v1.Hash {
	t.Helper()
	ref, err := name.ParseReference(r.push + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push %s: %v", repoTag, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *testRegistry) pushIndex(t testing.TB, repoTag string, idx v1.ImageIndex) v1.Hash {
	t.Helper()
	ref, err := name.ParseReference(r.push + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatalf("push %s: %v", repoTag, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testImage is a small random image with the given runtime config, built
// for linux/arch.
func testImage(t testing.TB, arch string, c v1.Config) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.Config(img, c); err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// platformImage is one entry of a test index.
type platformImage struct {
	p   v1.Platform
	img v1.Image
}

// testIndex is a multi-arch index of the given images, each described
// with its platform as buildx writes it.
func testIndex(entries ...platformImage) v1.ImageIndex {
	var adds []mutate.IndexAddendum
	for _, e := range entries {
		adds = append(adds, mutate.IndexAddendum{Add: e.img, Descriptor: v1.Descriptor{Platform: &e.p}})
	}
	return mutate.AppendManifests(empty.Index, adds...)
}

// loopbackOnly fails any request that would leave the machine, so a
// mistake in a test (a ref without a mirror) cannot reach the internet.
type loopbackOnly struct{ inner http.RoundTripper }

func (l loopbackOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	host, _, err := net.SplitHostPort(req.URL.Host)
	if err != nil {
		host = req.URL.Host
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("test transport: refusing non-loopback host %s", req.URL.Host)
	}
	return l.inner.RoundTrip(req)
}

// testOptions are Options for the loopback registry: no docker config
// read (an empty keychain is anonymous) and no internet.
func testOptions() Options {
	return Options{
		Keychain:  authn.NewMultiKeychain(),
		Transport: loopbackOnly{remote.DefaultTransport},
		Insecure:  true,
	}
}

// staticKeychain answers every registry with one username and password.
type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: k.user, Password: k.pass}), nil
}

// basicAuth demands the given credentials, as a registry with Basic auth
// does, answering 401 with a challenge otherwise.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// delay holds every request for d, or until the client gives up, so that
// closing the server does not wait for sleeping handlers.
func delay(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !sleep(r.Context(), d) {
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// failFirst answers the first n requests with status, then serves; n < 0
// fails them all. calls counts every request it saw.
func failFirst(n int64, status int, calls *atomic.Int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c := calls.Add(1); n < 0 || c <= n {
				http.Error(w, http.StatusText(status), status)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// resolveOne resolves one reference and fails the test unless it is a
// problem (wantErr true) or an info (false).
func resolveOne(t *testing.T, ref string, o Options, wantErr bool) (translate.ImageFacts, Problem) {
	t.Helper()
	infos, problems := Resolve(context.Background(), []string{ref}, o)
	if wantErr {
		if len(problems) != 1 || len(infos) != 0 {
			t.Fatalf("Resolve(%s): want one problem, got infos %+v problems %+v", ref, infos, problems)
		}
		return translate.ImageFacts{}, problems[0]
	}
	if len(infos) != 1 || len(problems) != 0 {
		t.Fatalf("Resolve(%s): want one info, got infos %+v problems %+v", ref, infos, problems)
	}
	return infos[0], Problem{}
}
