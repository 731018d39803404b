// Package cluster runs a real single-node Kubernetes v1.37.2 for tests:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet
// and kube-proxy (iptables mode) built from the Go module proxy by
// scripts/e2e-deps.sh, Debian's containerd, runc and CNI plugins (bridge,
// portmap, loopback), CoreDNS as a host process, and a default
// StorageClass served by kube-controller-manager's host-path provisioner.
// There is no registry: the images pods run are built by the harness and
// imported into containerd (images.go).
//
// Everything runs inside PID, network and mount namespaces the test binary
// makes (netns.go), so nothing outlives the test binary, even when it is
// killed. A test package uses it through Main and Require:
//
//	func TestMain(m *testing.M) { cluster.Main(m) }
//
//	func TestX(t *testing.T) {
//		c := cluster.Require(t)
//		out, err := c.Kubectl(ctx, nil, "get", "nodes")
//	}
//
// ../shared/notes/cluster.md records what this set-up stands on.
package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transship/transship/internal/daemon"
	"github.com/transship/transship/internal/kubeapi"
)

// Binaries are the executables Start needs in the bin dir.
var Binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
	"kubelet", "kube-proxy", "kubectl", "coredns"}

// hostTools are the Debian tools it needs on PATH.
var hostTools = []string{"containerd", "containerd-shim-runc-v2", "runc", "ctr", "ip", "iptables", "gcc", "busybox"}

// E2EEnv must be 1 for the cluster tests to run (make e2e-cluster sets it).
const E2EEnv = "TRANSSHIP_CLUSTER_E2E"

// startTimeout bounds Start (the node is Ready after ~20 s on 2 cores).
const startTimeout = 3 * time.Minute

// Cluster is a running single-node cluster.
type Cluster struct {
	// Dir holds the certificates, configuration, state and logs (a tmpfs
	// in the cluster's mount namespace).
	Dir string
	// Kubeconfig is the path of an admin kubeconfig.
	Kubeconfig string
	// URL is the API server's URL; Token an admin bearer token.
	URL, Token string
	// BinDir holds the kube binaries (kubectl among them).
	BinDir string
	// Started is how long Start took.
	Started time.Duration

	run     string
	spawner *daemon.Spawner
	procs   []*daemon.Proc
	closed  sync.Once
}

// Missing names what Start needs and does not find: binaries in binDir,
// tools on PATH.
func Missing(binDir string) []string {
	var miss []string
	for _, b := range Binaries {
		if fi, err := os.Stat(filepath.Join(binDir, b)); err != nil || fi.Mode().Perm()&0o111 == 0 {
			miss = append(miss, filepath.Join(binDir, b))
		}
	}
	for _, t := range hostTools {
		if _, err := exec.LookPath(t); err != nil {
			miss = append(miss, t)
		}
	}
	return miss
}

// The cluster shared by the tests of one test binary.
var shared struct {
	mu  sync.Mutex
	c   *Cluster
	err error
}

// Main is TestMain for packages that use Require. Outside the cluster's
// namespaces it re-executes the test binary inside new ones and exits with
// its status; inside, it runs the tests and stops the cluster.
func Main(m *testing.M) {
	if !inside() {
		if os.Getenv(E2EEnv) != "1" || os.Geteuid() != 0 {
			// No namespaces without root: the tests run here and Require
			// skips (or fails when CI=true).
			os.Exit(m.Run())
		}
		os.Exit(reexec())
	}
	if err := setupNamespaces(os.Getenv(nsEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "cluster: setting up namespaces:", err)
		os.Exit(1)
	}
	code := m.Run()
	shared.mu.Lock()
	if shared.c != nil {
		shared.c.Close()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// Require returns the shared cluster, starting it on first use. Without
// root, the binaries or the tools it skips the test (fails it when
// CI=true); a cluster that fails to start fails it.
func Require(t testing.TB) *Cluster {
	t.Helper()
	why := ""
	if os.Getenv(E2EEnv) != "1" {
		t.Skip("starts a whole cluster: run it with make e2e-cluster (CI does)")
	}
	switch miss := Missing(kubeapi.BinDir()); {
	case os.Geteuid() != 0:
		why = "the cluster needs root (namespaces, mounts, iptables)"
	case len(miss) > 0:
		why = "missing " + strings.Join(miss, ", ") + ": run `make e2e-deps`"
	case !inside():
		why = "the test binary did not enter the cluster's namespaces: its TestMain must call cluster.Main"
	}
	if why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cluster: %s (CI=true)", why)
		}
		t.Skip("cluster: " + why)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c == nil && shared.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		shared.c, shared.err = Start(ctx, kubeapi.BinDir(), os.Getenv(nsEnv))
		cancel()
	}
	if shared.err != nil {
		t.Fatalf("cluster: %v", shared.err)
	}
	return shared.c
}

// Start starts the cluster in run (a directory of this run, in the
// cluster's namespaces) and waits until the node is Ready, the images are
// imported and the default ServiceAccount exists.
func Start(ctx context.Context, binDir, run string) (_ *Cluster, err error) {
	began := time.Now()
	c := &Cluster{Dir: run, run: run, BinDir: binDir, spawner: daemon.NewSpawner(),
		Kubeconfig: filepath.Join(run, "kubeconfig"),
		URL:        fmt.Sprintf("https://%s:%d", nodeIP, apiPort)}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, c.Logs())
			c.Close()
		}
	}()
	images, err := BaseImages(ctx, binDir)
	if err != nil {
		return nil, fmt.Errorf("building images: %w", err)
	}
	if c.Token, err = writeCerts(run); err != nil {
		return nil, err
	}
	if err := c.writeConfigs(); err != nil {
		return nil, err
	}
	if err := makeCgroups(cgroupName(run)); err != nil {
		return nil, fmt.Errorf("kubelet's cgroup root: %w", err)
	}
	bin := func(name string) string { return filepath.Join(binDir, name) }
	d := func(name string) string { return filepath.Join(run, name) }
	if err := c.spawn("etcd", bin("etcd"), "--name=transship", "--data-dir="+d("etcd"),
		"--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
		"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
		"--initial-cluster=transship=http://127.0.0.1:2380", "--unsafe-no-fsync", "--log-level=warn"); err != nil {
		return nil, err
	}
	// Unlike internal/kubeapi's server, this one keeps the ServiceAccount
	// admission plugin (it mounts tokens) and the lease endpoint reconciler
	// (the kubernetes Service gets an endpoint pods can reach).
	if err := c.spawn("kube-apiserver", bin("kube-apiserver"),
		"--etcd-servers=http://127.0.0.1:2379",
		"--bind-address="+nodeIP, "--advertise-address="+nodeIP,
		"--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+d("apiserver.crt"), "--tls-private-key-file="+d("apiserver.key"),
		"--client-ca-file="+d("ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+d("sa.pub"), "--service-account-signing-key-file="+d("sa.key"),
		"--token-auth-file="+d("tokens.csv"), "--authorization-mode=Node,RBAC",
		"--service-cluster-ip-range="+serviceCIDR, "--allow-privileged=true",
		// EGI IM clusters' NodePort range (their ingress controller holds
		// 80 and 443): the egi-im profile's NodePorts must be accepted.
		"--service-node-port-range=80-35000",
		"--endpoint-reconciler-type=lease",
		// The node name resolves nowhere: reach kubelet by its address.
		"--kubelet-preferred-address-types=InternalIP"); err != nil {
		return nil, err
	}
	if err := c.spawn("containerd", "containerd", "--config", d("containerd.toml")); err != nil {
		return nil, err
	}
	if err := c.waitAPI(ctx); err != nil {
		return nil, err
	}
	// The images are imported before the kubelet starts: an import mounts
	// its layers under containerd's root for a moment, and a kubelet
	// starting then fails on that mount ("Failed to start ContainerManager":
	// "failed to get rootfs info: cannot find filesystem info for device
	// .../containerd/root/tmpmounts/containerd-mountN", seen 23:34 UTC).
	if err := c.waitFor(ctx, "containerd's socket", func() error {
		_, err := os.Stat(d("containerd.sock"))
		return err
	}); err != nil {
		return nil, err
	}
	if err := c.ImportImages(ctx, images); err != nil {
		return nil, err
	}
	kc := "--kubeconfig=" + c.Kubeconfig
	for _, p := range [][]string{
		{"kube-controller-manager", kc, "--root-ca-file=" + d("ca.crt"),
			"--service-account-private-key-file=" + d("sa.key"),
			"--cluster-signing-cert-file=" + d("ca.crt"), "--cluster-signing-key-file=" + d("ca.key"),
			"--enable-hostpath-provisioner", "--leader-elect=false", "--bind-address=127.0.0.1",
			"--secure-port=10257", "--service-cluster-ip-range=" + serviceCIDR},
		{"kube-scheduler", kc, "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=10259"},
		{"kubelet", "--config=" + d("kubelet.yaml"), kc, "--root-dir=" + d("kubelet"),
			"--node-ip=" + nodeIP, "--hostname-override=" + nodeName, "--cert-dir=" + d("kubelet-pki")},
		{"kube-proxy", "--config=" + d("kube-proxy.yaml")},
		{"coredns", "-conf", d("Corefile")},
	} {
		if err := c.spawn(p[0], bin(p[0]), p[1:]...); err != nil {
			return nil, err
		}
	}
	if _, err := c.Kubectl(ctx, nil, "apply", "-f", d("storageclass.yaml")); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "the node to be Ready", func() error {
		_, err := c.Kubectl(ctx, nil, "wait", "--for=condition=Ready", "node/"+nodeName, "--timeout=5s")
		return err
	}); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "the default ServiceAccount", func() error {
		_, err := c.Kubectl(ctx, nil, "get", "serviceaccount", "default", "-n", "default")
		return err
	}); err != nil {
		return nil, err
	}
	c.Started = time.Since(began)
	return c, nil
}

// waitAPI waits until the API server answers /readyz.
func (c *Cluster) waitAPI(ctx context.Context) error {
	return c.waitFor(ctx, "kube-apiserver /readyz", func() error {
		_, err := c.Kubectl(ctx, nil, "get", "--raw=/readyz")
		return err
	})
}

// waitFor polls check every half second until it succeeds, a process of
// the cluster exits or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, what string, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		for _, p := range c.procs {
			select {
			case <-p.Done():
				return fmt.Errorf("waiting for %s: %s exited: %v", what, p.Name, p.Wait())
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %v (last: %v)", what, ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Kubectl runs kubectl with the admin kubeconfig, stdin as its input (nil
// for none), and returns its stdout; the error carries stderr.
func (c *Cluster) Kubectl(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, "kubectl"), append([]string{"--kubeconfig=" + c.Kubeconfig}, args...)...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(errb.Bytes()))
	}
	return out.Bytes(), nil
}

// ImportImages imports docker archives into containerd's k8s.io namespace,
// where the kubelet's pods find them.
func (c *Cluster) ImportImages(ctx context.Context, archives ...string) error {
	for _, a := range archives {
		cmd := exec.CommandContext(ctx, "ctr", "--address", filepath.Join(c.Dir, "containerd.sock"),
			"-n", "k8s.io", "images", "import", "--no-unpack=false", a)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ctr images import %s: %v: %s", a, err, out)
		}
	}
	return nil
}

// spawn starts a cluster process with its output in Dir/NAME.log.
func (c *Cluster) spawn(name, path string, args ...string) error {
	cmd := exec.Command(path, args...)
	cmd.Dir = c.Dir
	p, err := c.spawner.Spawn(name, cmd, filepath.Join(c.Dir, name+".log"))
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

// Logs returns the last lines of every process's log.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, p := range c.procs {
		data, err := os.ReadFile(p.Output)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n--- last lines of %s:\n%s", p.Name, tail(data, 15))
	}
	return b.String()
}

// Close stops the processes, newest first (what is left, the kernel ends
// with the PID namespace).
func (c *Cluster) Close() {
	c.closed.Do(func() {
		for i := len(c.procs) - 1; i >= 0; i-- {
			c.procs[i].Stop(3 * time.Second)
		}
		c.spawner.Close()
	})
}

// tail returns the last n lines of data.
func tail(data []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
