// Package slurm runs a real one-node Slurm cluster (munged, slurmctld,
// slurmd from Debian's slurm-wlm 22.05) on localhost for tests, and submits
// batch scripts to it with sbatch.
//
// The Debian packages are installed by scripts/e2e-deps.sh (`make
// e2e-deps`). Tests get the cluster with Require, which skips when they are
// absent (and fails when CI=true):
//
//	func TestMain(m *testing.M) { slurm.Main(m) } // or call slurm.Shutdown() after m.Run()
//
//	func TestJob(t *testing.T) {
//		c := slurm.Require(t)
//		job, err := c.Sbatch(ctx, dir, "job.sbatch", nil)
//		...
//	}
//
// The cluster is shared by the tests of one test binary: started once,
// lazily, by the first Require (about 1 s), stopped by Shutdown. A job
// takes at least 2 s (sbatch --wait polls every 2 s), the first one after
// the start often 4 s (slurmctld's first scheduling pass is 3 s after its
// start), so tests that submit jobs gain from t.Parallel: the node has
// runtime.NumCPU() CPUs, and a job not asking for more takes one.
// Everything it uses (config, munge key and socket, state, spool, logs,
// ports) is private to it, so test binaries run in parallel by `go test
// ./...` each have their own cluster. The daemons never outlive the test
// binary (Pdeathsig, see internal/daemon); the job processes, which slurmd
// hands to a daemonised slurmstepd, are found by a marker in their
// environment and killed by Close, or by the next Start after a test binary
// that died.
package slurm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transship/transship/internal/daemon"
	"github.com/transship/transship/internal/shared"
)

// startTimeout bounds Start (it takes well under a second on 2 cores).
const startTimeout = 60 * time.Second

// tmpPrefix names Start's temporary directories: tmpPrefix<pid>-<random>.
const tmpPrefix = "transship-slurm-"

// markerVar is set to the cluster's Dir in the environment of the daemons
// and of every client (so of every job, as sbatch exports its environment):
// slurmstepd and the jobs are not our children, this is how Close finds them.
const markerVar = "TRANSSHIP_SLURM_DIR"

// commands are the executables the cluster needs (slurm-client provides
// sinfo, scontrol and scancel with sbatch). The munge key is written by
// Start itself, so mungekey is not needed.
var commands = []string{"munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol", "scancel"}

// lookPath finds a command in PATH, or in the sbin directories a non-root
// PATH often lacks.
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// Available reports whether munged, slurmctld, slurmd and the client
// commands are installed.
func Available() bool {
	for _, name := range commands {
		if _, err := lookPath(name); err != nil {
			return false
		}
	}
	return true
}

// cluster is the one shared by the tests of one test binary.
var cluster = shared.New(func() (*Cluster, error) { return Start(context.Background()) }, (*Cluster).Close)

// Require returns the shared cluster, starting it on first use. Without
// the Slurm packages, or when not root (slurmd must be), it skips the test,
// or fails it when CI=true. A cluster that fails to start fails the test
// (and every later Require).
func Require(t testing.TB) *Cluster {
	t.Helper()
	why := ""
	switch {
	case !Available():
		why = "Slurm not installed (" + strings.Join(commands, ", ") + "); run `make e2e-deps`"
	case os.Geteuid() != 0:
		why = "the Slurm tests need root: slurmd runs jobs as their submitter"
	}
	if why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true)", why)
		}
		t.Skip(why)
	}
	c, err := cluster.Get()
	if err != nil {
		t.Fatalf("slurm: %v", err)
	}
	return c
}

// Shutdown stops the shared cluster, if Require started one, and removes
// its files. Call it from TestMain after m.Run (or use Main). A later
// Require starts a new cluster.
func Shutdown() { cluster.Shutdown() }

// Main is a TestMain for packages using Require: it runs the tests, shuts
// the shared cluster down and exits with the tests' status. Under the
// real-runtime suite it first moves the test binary into a network
// namespace of its own (netns_linux.go).
func Main(m *testing.M) {
	if code, done := isolate(); done {
		os.Exit(code)
	}
	cluster.Main(m)
}

// Cluster is a running one-node Slurm cluster. Its methods are safe for
// concurrent use.
type Cluster struct {
	// Conf is the path of slurm.conf: SLURM_CONF for the client commands
	// (Env sets it).
	Conf string
	// Dir is the temporary directory holding everything else (munge key
	// and socket, state, spool, logs); Close removes it.
	Dir string
	// Node is the node's name: the short host name, as slurmd -C gives it.
	Node string

	bin     map[string]string // command name -> path
	procs   []*daemon.Proc    // munged, slurmctld, slurmd
	spawner *daemon.Spawner
	closed  sync.Once
}

// Start starts munged, slurmctld and slurmd on free loopback ports and
// waits until the node is idle (at most 60 s). ctx bounds the start only;
// the daemons run until Close. On failure, the error includes the tails of
// the daemons' logs.
func Start(ctx context.Context) (*Cluster, error) {
	bin := map[string]string{}
	for _, name := range commands {
		p, err := lookPath(name)
		if err != nil {
			return nil, fmt.Errorf("%w: run `make e2e-deps`", err)
		}
		bin[name] = p
	}
	sweepStale()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// The ports are picked by binding :0 and closing; another process can
	// take one before slurmctld or slurmd binds it, so a start that fails
	// for that reason is retried.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var c *Cluster
		c, err = start(ctx, bin)
		if err == nil {
			return c, nil
		}
		if !strings.Contains(err.Error(), "Address already in use") || ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func start(ctx context.Context, bin map[string]string) (_ *Cluster, err error) {
	dir, err := daemon.MkdirTemp(tempBase(), tmpPrefix)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Conf: filepath.Join(dir, "slurm.conf"), bin: bin, spawner: daemon.NewSpawner()}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, c.Logs())
			c.Close()
		}
	}()
	// munged warns about a socket in a directory others cannot enter: jobs
	// of other users could not reach it. The key stays 0400.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	for _, sub := range []string{"state", "spool"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	key := make([]byte, 1024)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "munge.key"), key, 0o400); err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, err
	}
	c.Node, _, _ = strings.Cut(host, ".") // hostname -s
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(c.Conf, []byte(c.config(ports[0], ports[1])), 0o644); err != nil {
		return nil, err
	}

	// munged as root needs --force; -F keeps it in the foreground (its log
	// then goes to stderr, captured in munged.out).
	if err := c.spawn("munged", "-F", "--force",
		"--socket="+c.path("munge.sock"),
		"--key-file="+c.path("munge.key"),
		"--pid-file="+c.path("munged.pid"),
		"--log-file="+c.path("munged.log"),
		"--seed-file="+c.path("munged.seed"),
	); err != nil {
		return nil, err
	}
	if err := c.waitFile(ctx, c.path("munge.sock")); err != nil {
		return nil, fmt.Errorf("munged: %w", err)
	}
	// -c: no state to recover, this cluster is new.
	if err := c.spawn("slurmctld", "-D", "-c", "-f", c.Conf); err != nil {
		return nil, err
	}
	// -N: the node name slurmd must recognise itself by.
	if err := c.spawn("slurmd", "-D", "-f", c.Conf, "-N", c.Node); err != nil {
		return nil, err
	}
	if err := c.waitIdle(ctx); err != nil {
		return nil, fmt.Errorf("waiting for node %s to be idle: %w", c.Node, err)
	}
	return c, nil
}

// tempBase is the directory for Start's temporary directory: os.TempDir(),
// unless it is so long that the sockets under it (munged's, slurmstepd's
// SPOOL/NODE_JOBID.4294967291) might not fit in a socket path's 108 bytes.
func tempBase() string {
	if d := os.TempDir(); len(d) <= 30 {
		return d
	}
	return "/tmp"
}

func (c *Cluster) path(name string) string { return filepath.Join(c.Dir, name) }

// config is slurm.conf: every path under Dir, the ports given, one node
// sized from this machine, one default partition.
func (c *Cluster) config(ctldPort, slurmdPort int) string {
	cpus := runtime.NumCPU()
	mem := memoryMB() * 9 / 10 // slurmd drains a node claiming more than it has
	lines := []string{
		"# Written by internal/slurm for one test cluster.",
		"ClusterName=transship",
		fmt.Sprintf("SlurmctldHost=%s(127.0.0.1)", c.Node),
		"SlurmctldPort=" + strconv.Itoa(ctldPort),
		"SlurmdPort=" + strconv.Itoa(slurmdPort),
		"AuthType=auth/munge",
		"AuthInfo=socket=" + c.path("munge.sock"),
		"CredType=cred/munge",
		"SlurmUser=root",
		"SlurmdUser=root",
		"ProctrackType=proctrack/linuxproc", // no cgroups needed
		"TaskPlugin=task/none",
		"MpiDefault=none",
		"AccountingStorageType=accounting_storage/none",
		"JobAcctGatherType=jobacct_gather/none",
		"SelectType=select/cons_tres",
		// Memory is a consumable, as on real clusters; without
		// DefMemPerCPU a job that does not ask for memory would get all of
		// it and jobs would run one at a time.
		"SelectTypeParameters=CR_Core_Memory",
		fmt.Sprintf("DefMemPerCPU=%d", max(mem/cpus, 1)),
		"SchedulerType=sched/backfill",
		"SchedulerParameters=batch_sched_delay=0",
		"ReturnToService=2",
		// Slurm's default: the time a cancelled job's launcher has
		// between TERM and KILL to stop its services and remove their
		// udocker containers (5 s was too short under load: containers
		// were left behind).
		"KillWait=30",
		// sbatch --wait polls every 2 s, but every 8 s when MinJobAge/2 >
		// 2; a job purged before its poll makes sbatch exit 0. 5 s keeps
		// the 2 s poll with 3 s to spare.
		"MinJobAge=5",
		"MailProg=/bin/true", // the default, /bin/mail, is not installed
		"StateSaveLocation=" + c.path("state"),
		"SlurmdSpoolDir=" + c.path("spool"),
		"SlurmctldPidFile=" + c.path("slurmctld.pid"),
		"SlurmdPidFile=" + c.path("slurmd.pid"),
		"SlurmctldLogFile=" + c.path("slurmctld.log"),
		"SlurmdLogFile=" + c.path("slurmd.log"),
		"PlugStackConfig=" + c.path("plugstack.conf"), // none: not /etc/slurm's
		fmt.Sprintf("NodeName=%s NodeAddr=127.0.0.1 CPUs=%d RealMemory=%d State=UNKNOWN", c.Node, cpus, mem),
		"PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
	}
	return strings.Join(lines, "\n") + "\n"
}

// memoryMB is MemTotal from /proc/meminfo in MiB (as slurmd -C counts it),
// or 1024 when unknown.
func memoryMB() int {
	data, _ := os.ReadFile("/proc/meminfo")
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				return kb / 1024
			}
		}
	}
	return 1024
}

// waitFile waits until path exists (munged's socket), a daemon exits or
// ctx ends.
func (c *Cluster) waitFile(ctx context.Context, path string) error {
	return c.poll(ctx, func() (bool, string) {
		_, err := os.Stat(path)
		return err == nil, fmt.Sprint(err)
	})
}

// waitIdle waits until sinfo reports the node idle: slurmctld is up and
// slurmd has registered.
func (c *Cluster) waitIdle(ctx context.Context) error {
	return c.poll(ctx, func() (bool, string) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := c.command(cctx, "sinfo", "-h", "-o", "%t").CombinedOutput()
		state := strings.TrimSpace(string(out))
		if err != nil {
			state = fmt.Sprintf("%v: %s", err, state)
		}
		return state == "idle", "sinfo: " + state
	})
}

// poll calls ready every 100 ms until it is true, a daemon exits or ctx
// ends; ready's string says what it saw last, for the error.
func (c *Cluster) poll(ctx context.Context, ready func() (bool, string)) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := ready()
		if ok {
			return nil
		}
		for _, p := range c.procs {
			select {
			case <-p.Done():
				return fmt.Errorf("%s exited: %v (last: %s)", p.Name, p.Wait(), last)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last: %s)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// Env returns os.Environ(), without the variables of any other Slurm
// (SLURM_*, SBATCH_*, ...: a test run inside a Slurm job must not leak its
// job into ours), plus SLURM_CONF and the marker: the environment for
// running sbatch, squeue, scontrol etc. against this cluster.
func (c *Cluster) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !isSlurmVar(kv) {
			env = append(env, kv)
		}
	}
	return append(env, "SLURM_CONF="+c.Conf, markerVar+"="+c.Dir)
}

func isSlurmVar(kv string) bool {
	for _, p := range []string{"SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "SQUEUE_", "SINFO_", "SCONTROL_", "SACCT_", "SCANCEL_", markerVar + "="} {
		if strings.HasPrefix(kv, p) {
			return true
		}
	}
	return false
}

// command is a client command (sinfo, scontrol, ...) run with Env.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.bin[name], args...)
	cmd.Env = c.Env()
	return cmd
}

// Close stops slurmd, slurmctld and munged (SIGTERM, then SIGKILL after
// 5 s), kills what remains of the jobs, and removes Dir. It is idempotent.
func (c *Cluster) Close() {
	c.closed.Do(func() {
		for i := len(c.procs) - 1; i >= 0; i-- { // slurmd, slurmctld, munged
			c.procs[i].Stop(5 * time.Second)
		}
		killMarked(func(dir string) bool { return dir == c.Dir })
		c.spawner.Close()
		os.RemoveAll(c.Dir)
	})
}

// Logs returns the last lines of the munged, slurmctld and slurmd logs
// (slurmstepd logs into slurmd's), for a test failure message.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, p := range c.procs {
		// A daemon's log file, else what it wrote to stderr (munged -F
		// logs only there; slurmctld and slurmd before opening theirs).
		data, _ := os.ReadFile(c.path(p.Name + ".log"))
		if len(bytes.TrimSpace(data)) == 0 {
			data, _ = os.ReadFile(p.Output)
		}
		fmt.Fprintf(&b, "\n--- last lines of %s:\n%s", p.Name, tail(data, 30))
	}
	return b.String()
}

// tail returns the last n lines of data.
func tail(data []byte, n int) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close() // held until all are picked, so they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
