package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/transship/transship/internal/daemon"
)

// The cluster runs inside namespaces that the test binary makes for itself:
// Main re-executes the test binary as PID 1 of new PID, network and mount
// namespaces. What the cluster leaves behind (iptables chains, the
// bridges, the pod network namespaces, mounts, containerd's shims and the
// containers) lives in those namespaces: when the inner test binary exits,
// or is killed, the kernel kills every process in its PID namespace, and
// the network and mount namespaces go with the last of them. The outer
// binary starts the inner one with Pdeathsig, so killing the outer one
// (go test -timeout, ^C) takes everything along.

// nsEnv marks the inner test binary; its value is the run directory the
// outer one made.
const nsEnv = "TRANSSHIP_CLUSTER_RUN"

// runPrefix names the run directories: runPrefix<outer pid>-<random>.
const runPrefix = "transship-cluster-"

// inside reports whether this process is the inner test binary.
func inside() bool { return os.Getenv(nsEnv) != "" }

// reexec runs this test binary again in new PID, network and mount
// namespaces and returns its exit status.
func reexec() int {
	sweepStale()
	run, err := daemon.MkdirTemp("", runPrefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	defer os.RemoveAll(run)
	defer removeCgroups(cgroupName(run))
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), nsEnv+"="+run)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNET | syscall.CLONE_NEWNS,
	}
	sp := daemon.NewSpawner() // Pdeathsig from a thread that lives on
	defer sp.Close()
	// ^C and SIGTERM reach the inner binary (PID 1 ignores signals it has
	// no handler for, so it gets SIGKILL: the kernel then ends the rest).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := sp.Start(cmd); err != nil {
		fmt.Fprintf(os.Stderr, "cluster: new namespaces (needs root): %v\n", err)
		return 1
	}
	go func() {
		for range sigs {
			cmd.Process.Kill()
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	return 0
}

// setupNamespaces prepares the inner binary's namespaces: private mounts
// (nothing mounted here shows on the host), a /proc of the new PID
// namespace, a tmpfs over the run directory and over the fixed paths
// containerd, the CNI plugins and the host-path provisioner write to,
// loopback up, forwarding on.
func setupNamespaces(run string) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	if err := syscall.Mount("proc", "/proc", "proc", 0, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	// Fixed paths: containerd 1.6 puts its shims' sockets in /run/containerd
	// and the pods' network namespaces in /run/netns, libcni caches results
	// in /var/lib/cni, kube-controller-manager's host-path provisioner
	// writes to /tmp/hostpath_pv, kubelet links logs in /var/log/containers.
	for _, dir := range []string{run, "/run/containerd", "/run/netns", "/var/lib/cni",
		"/tmp/hostpath_pv", "/var/log/containers", "/var/log/pods"} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "mode=0755"); err != nil {
			return fmt.Errorf("mounting a tmpfs on %s: %w", dir, err)
		}
	}
	if err := syscall.Mount("", "/run/netns", "", syscall.MS_SHARED, ""); err != nil {
		return fmt.Errorf("sharing /run/netns: %w", err)
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", hostBridge, "type", "bridge"},
		{"addr", "add", nodeIP + "/32", "dev", hostBridge},
		{"link", "set", hostBridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %v: %v: %s", args, err, out)
		}
	}
	for key, val := range map[string]string{
		"net/ipv4/ip_forward":                 "1",
		"net/bridge/bridge-nf-call-iptables":  "1",
		"net/bridge/bridge-nf-call-ip6tables": "1",
		"net/ipv4/conf/all/route_localnet":    "1",
	} {
		// bridge-nf-call-* exist only with br_netfilter loaded.
		os.WriteFile(filepath.Join("/proc/sys", key), []byte(val), 0o644)
	}
	return nil
}

// cgroupName is kubelet's cgroup root for a run: one per run, so a run's
// cgroups are told from another's and removed after it.
func cgroupName(run string) string {
	return filepath.Base(run)
}

// makeCgroups makes kubelet's cgroup root in every cgroup v1 hierarchy
// (kubelet checks it exists); a new cpuset gets its parent's CPUs and
// memory nodes, without which no task can join it.
func makeCgroups(name string) error {
	hiers, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hiers {
		if filepath.Base(h) == "unified" || !exists(filepath.Join(h, "cgroup.procs")) {
			continue
		}
		d := filepath.Join(h, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if filepath.Base(h) == "cpuset" {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				v, err := os.ReadFile(filepath.Join(h, f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(d, f), v, 0o644); err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
			}
		}
	}
	return nil
}

// removeCgroups removes the (empty, once every process is gone) cgroups
// kubelet made under /name in every hierarchy, deepest first.
func removeCgroups(name string) {
	roots, _ := filepath.Glob("/sys/fs/cgroup/*/" + name)
	if d := "/sys/fs/cgroup/" + name; exists(d) {
		roots = append(roots, d)
	}
	for _, root := range roots {
		var dirs []string
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			syscall.Rmdir(dirs[i])
		}
	}
}

// sweepStale removes what runs killed before their cleanup left: the run
// directory and the cgroups.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), runPrefix+"*"))
	for _, d := range dirs {
		if daemon.Orphaned(d, runPrefix) {
			os.RemoveAll(d)
			removeCgroups(cgroupName(d))
		}
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
