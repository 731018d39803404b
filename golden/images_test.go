package golden

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The images of examples/images-lock, built deterministically (no layers,
// no timestamps), so their digests, and the committed lock, are the same
// on every machine.
var lockImages = map[string]v1.Config{
	"demo/api:1.4": {
		Entrypoint: []string{"/app/bin/api"}, Cmd: []string{"serve", "--port", "8080"},
		WorkingDir: "/app", User: "1000", ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Env: []string{"PATH=/app/bin:/usr/bin:/bin"},
	},
	"demo/queue:2.0": {
		Entrypoint: []string{"/usr/local/bin/queue"}, Cmd: []string{"--listen", ":7000"},
		WorkingDir: "/var/lib/queue", ExposedPorts: map[string]struct{}{"7000/tcp": {}},
		Healthcheck: &v1.HealthConfig{Test: []string{"CMD-SHELL", "queue ping || exit 1"}, Interval: 5 * time.Second, Timeout: 2 * time.Second, Retries: 4},
	},
}

// serveLockImages pushes them to an in-process registry on loopback and
// returns its host:port.
func serveLockImages(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for ref, cfg := range lockImages {
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		tag, err := name.NewTag(host+"/"+ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(tag, img); err != nil {
			t.Fatal(err)
		}
	}
	return host
}

// TestImageLockReproducible resolves examples/images-lock against the
// loopback registry and checks that the lock it writes is the committed
// one, byte for byte, and that converting from the lock alone (no network)
// gives the same files as the run that resolved.
func TestImageLockReproducible(t *testing.T) {
	root := repoRoot(t)
	host := serveLockImages(t)
	proj := filepath.Join(t.TempDir(), "images-lock")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join(root, "examples/images-lock/compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, "compose.yaml"), compose, 0o644); err != nil {
		t.Fatal(err)
	}
	mirror := "--registry-mirror=registry.transship.example=" + host
	for _, target := range []string{"batch", "kubernetes"} {
		first := filepath.Join(proj, "out-"+target+"-resolved")
		_, stderr, code := run(t, proj, "convert", "--to", target, "--resolve-images", mirror, "-o", first)
		if code != 0 {
			t.Fatalf("resolving: exit %d\n%s", code, stderr)
		}
		second := filepath.Join(proj, "out-"+target+"-locked")
		_, stderr, code = run(t, proj, "convert", "--to", target, mirror, "-o", second)
		if code != 0 {
			t.Fatalf("from the lock: exit %d\n%s", code, stderr)
		}
		compareTrees(t, target+" from the lock", readTree(t, first), readTree(t, second))
	}
	// --pin: the digests of the lock go into the output, mirrored.
	pinnedDir := filepath.Join(proj, "out-pinned")
	if _, stderr, code := run(t, proj, "convert", "--to", "kubernetes", "--pin", mirror, "-o", pinnedDir); code != 0 {
		t.Fatalf("--pin: exit %d\n%s", code, stderr)
	}
	dep := readTree(t, pinnedDir)["api-deployment.yaml"]
	if want := host + "/demo/api:1.4@sha256:4d41f15c"; !strings.Contains(dep, want) {
		t.Errorf("--pin: api-deployment.yaml lacks %q:\n%s", want, dep)
	}
	got, err := os.ReadFile(filepath.Join(proj, "transship.lock"))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "examples/images-lock/transship.lock")
	if update() {
		if err := os.WriteFile(want, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, _ := os.ReadFile(want)
	if !bytes.Equal(got, committed) {
		t.Errorf("examples/images-lock/transship.lock differs from a fresh resolution (make golden rewrites it):\n%s", lineDiff(string(committed), string(got)))
	}
}
