// Package kubeapi runs a real kube-apiserver (with its etcd) on loopback
// for tests, and validates Kubernetes objects against it with server-side
// dry runs: POST to the collection with ?dryRun=All&fieldValidation=Strict.
// That catches what a schema check misses: unknown fields, duplicate keys,
// YAML 1.1 booleans in string fields, bad names, ports and selectors,
// admission (PodSecurity) and missing namespaces.
//
// The binaries are built from the Go module proxy by scripts/e2e-deps.sh
// (`make e2e-deps`) into BinDir(). Tests get the server with Require, which
// skips when the binaries are absent (and fails when CI=true):
//
//	func TestMain(m *testing.M) { kubeapi.Main(m) } // or call kubeapi.Shutdown() after m.Run()
//
//	func TestManifests(t *testing.T) {
//		srv := kubeapi.Require(t)
//		if err := srv.EnsureNamespace("demo"); err != nil {
//			t.Fatal(err)
//		}
//		for i, err := range srv.DryRunAll("demo", kubeapi.SplitYAML(manifest)) {
//			if err != nil {
//				t.Errorf("document %d: %v", i, err)
//			}
//		}
//	}
//
// The server is shared by all tests of one test binary: it is started once,
// lazily, by the first Require (3-5 s on 2 cores), and stopped by Shutdown. The
// processes never outlive the test binary: on Linux they are started with
// Pdeathsig=SIGKILL from a thread locked for that purpose (see
// internal/daemon), so even a test binary killed by `go test -timeout`
// takes them along; the temporary directory such a run leaves behind (etcd
// preallocates ~120 MB) is swept by the next Start.
package kubeapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transship/transship/internal/daemon"
	"github.com/transship/transship/internal/e2ecache"
	"github.com/transship/transship/internal/shared"
)

// KubeVersion is the Kubernetes release scripts/e2e-deps.sh builds.
const KubeVersion = "v1.37.2"

// startTimeout bounds Start: etcd, then kube-apiserver until /readyz is ok
// (3-5 s on 2 cores).
const startTimeout = 60 * time.Second

// tmpPrefix names Start's temporary directories: tmpPrefix<pid>-<random>.
const tmpPrefix = "transship-kubeapi-"

// DefaultBinDir is where scripts/e2e-deps.sh puts the binaries:
// ${TRANSSHIP_E2E_CACHE:-$HOME/.cache/transship-e2e}/kube-v1.37.2/bin.
func DefaultBinDir() string {
	return filepath.Join(e2ecache.Dir(), "kube-"+KubeVersion, "bin")
}

// BinDir is the directory holding kube-apiserver and etcd:
// $TRANSSHIP_KUBE_BIN if set, else DefaultBinDir().
func BinDir() string {
	if dir := os.Getenv("TRANSSHIP_KUBE_BIN"); dir != "" {
		return dir
	}
	return DefaultBinDir()
}

// Available reports whether binDir holds both executables.
func Available(binDir string) bool {
	for _, name := range []string{"kube-apiserver", "etcd"} {
		fi, err := os.Stat(filepath.Join(binDir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// server is the one shared by the tests of one test binary.
var server = shared.New(func() (*Server, error) { return Start(context.Background(), BinDir()) }, (*Server).Close)

// Require returns the shared server, starting it on first use. Without the
// binaries in BinDir() it skips the test, or fails it when CI=true.
// A server that fails to start fails the test (and every later Require).
func Require(t testing.TB) *Server {
	t.Helper()
	dir := BinDir()
	if !Available(dir) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kube-apiserver and etcd not found in %s (CI=true): run `make e2e-deps` first", dir)
		}
		t.Skip("kube-apiserver not built; run `make e2e-deps`")
	}
	srv, err := server.Get()
	if err != nil {
		t.Fatalf("kubeapi: %v", err)
	}
	return srv
}

// Shutdown stops the shared server, if Require started one, and removes its
// files. Call it from TestMain after m.Run (or use Main). A later Require
// starts a new server.
func Shutdown() { server.Shutdown() }

// Main is a TestMain for packages using Require: it runs the tests, shuts
// the shared server down and exits with the tests' status.
func Main(m *testing.M) { server.Main(m) }

// Server is a running kube-apiserver with its etcd, listening on loopback.
// Its methods are safe for concurrent use.
type Server struct {
	// URL is the API server's base URL, https://127.0.0.1:PORT.
	URL string
	// Token is a bearer token of a user in system:masters.
	Token string
	// Dir is the temporary directory holding the certificates, the etcd data
	// and the logs (etcd.log, kube-apiserver.log); Close removes it.
	Dir string

	client  *http.Client
	procs   []*daemon.Proc // etcd, kube-apiserver
	spawner *daemon.Spawner
	closed  sync.Once

	discMu sync.Mutex
	disc   map[string]*groupVersion // by apiVersion
}

// Start starts etcd and kube-apiserver from binDir on free loopback ports
// and waits until the API server is ready (at most 60 s). ctx bounds the
// start only; the processes run until Close. On failure, the error includes
// the tail of the processes' logs.
func Start(ctx context.Context, binDir string) (*Server, error) {
	if !Available(binDir) {
		return nil, fmt.Errorf("kube-apiserver and etcd not found in %s: run `make e2e-deps`", binDir)
	}
	sweepStale()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// The ports are picked by binding :0 and closing; another process can
	// take one before our child binds it, so a start that fails for that
	// reason is retried.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var s *Server
		s, err = start(ctx, binDir)
		if err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "address already in use") || ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func start(ctx context.Context, binDir string) (_ *Server, err error) {
	dir, err := daemon.MkdirTemp("", tmpPrefix)
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, disc: map[string]*groupVersion{}, spawner: daemon.NewSpawner()}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, s.logTails())
			s.Close()
		}
	}()

	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdClient := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	etcdPeer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	s.URL = fmt.Sprintf("https://127.0.0.1:%d", ports[2])

	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	s.Token = hex.EncodeToString(tok)
	if err := s.writeAuthFiles(); err != nil {
		return nil, err
	}

	s.client = &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			// The server is our own child on loopback, serving a certificate
			// it self-signed at startup into Dir: there is nothing to verify
			// it against, and nothing between us and it to defend against.
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        16,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		},
	}

	etcd, err := s.spawn("etcd", filepath.Join(binDir, "etcd"),
		"--name=transship",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdClient,
		"--advertise-client-urls="+etcdClient,
		"--listen-peer-urls="+etcdPeer,
		"--initial-advertise-peer-urls="+etcdPeer,
		"--initial-cluster=transship="+etcdPeer,
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	if err != nil {
		return nil, err
	}
	// kube-apiserver takes ~2 s to initialise before it dials etcd (and it
	// retries), so it is started right away rather than after etcd's
	// 0.2-0.9 s; etcd's health is checked first for a clear error.
	api, err := s.spawn("kube-apiserver", filepath.Join(binDir, "kube-apiserver"),
		"--etcd-servers="+etcdClient,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none", // required with a loopback advertise address
		"--secure-port="+strconv.Itoa(ports[2]),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--token-auth-file="+filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		// No controller-manager, so no "default" ServiceAccount: without
		// this, bare Pods would be rejected.
		"--disable-admission-plugins=ServiceAccount",
	)
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx, etcd, etcdClient+"/health", false); err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	if err := s.waitReady(ctx, api, s.URL+"/readyz", true); err != nil {
		return nil, fmt.Errorf("kube-apiserver: %w", err)
	}
	return s, nil
}

// writeAuthFiles writes the service-account key pair and the token file.
func (s *Server) writeAuthFiles() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"sa.key":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		"sa.pub":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv": []byte(s.Token + ",transship-test,transship-test,system:masters\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// waitReady polls url until it answers 200, the process exits or ctx ends.
func (s *Server) waitReady(ctx context.Context, p *daemon.Proc, url string, auth bool) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+s.Token)
		}
		resp, err := s.client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		select {
		case <-p.Done():
			return fmt.Errorf("exited before it was ready: %v", p.Wait())
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v (last: %s)", startTimeout, last)
		case <-tick.C:
		}
	}
}

// Close stops kube-apiserver and etcd (SIGTERM, then SIGKILL after 5 s) and
// removes Dir. It is idempotent.
func (s *Server) Close() {
	s.closed.Do(func() {
		if s.client != nil {
			s.client.CloseIdleConnections()
		}
		for i := len(s.procs) - 1; i >= 0; i-- { // kube-apiserver first
			s.procs[i].Stop(5 * time.Second)
		}
		s.spawner.Close()
		os.RemoveAll(s.Dir)
	})
}

// Logs returns the last lines of the etcd and kube-apiserver logs, for
// debugging a test failure (before Close).
func (s *Server) Logs() string { return s.logTails() }

func (s *Server) logTails() string {
	var b strings.Builder
	for _, p := range s.procs {
		data, err := os.ReadFile(p.Output)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n--- last lines of %s:\n%s", p.Name, tail(data, 30))
	}
	return b.String()
}

// tail returns the last n lines of data.
func tail(data []byte, n int) string {
	data = bytes.TrimRight(data, "\n")
	i := len(data)
	for ; n > 0 && i > 0; n-- {
		i = bytes.LastIndexByte(data[:i], '\n')
		if i < 0 {
			i = 0
		}
	}
	if i > 0 {
		i++
	}
	return string(data[i:])
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// spawn starts a child with its output in Dir/NAME.log.
func (s *Server) spawn(name, path string, args ...string) (*daemon.Proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Dir = s.Dir
	p, err := s.spawner.Spawn(name, cmd, filepath.Join(s.Dir, name+".log"))
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	return p, nil
}

// sweepStale removes the temporary directories of test binaries that died
// without Close (their children died with them, see internal/daemon).
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tmpPrefix+"*"))
	for _, d := range dirs {
		if daemon.Orphaned(d, tmpPrefix) {
			os.RemoveAll(d)
		}
	}
}
