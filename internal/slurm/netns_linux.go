package slurm

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/transship/transship/internal/daemon"
)

// The real-runtime suite (TRANSSHIP_RUNTIMES_E2E=1) runs services that
// listen on their compose ports, and slurmd starts a job in its own network
// namespace. So Main runs such a test binary again in a network namespace
// of its own, with loopback and a bridge that has no ports: slurmctld, slurmd, the clients and
// every job meet there (slurm.conf names 127.0.0.1 only), nothing listens
// on the host's interfaces, and nothing collides with other sessions'
// ports. The namespace goes when its last process does. The outer binary
// starts the inner one with Pdeathsig, so killing the outer one takes the
// inner one, and with it the daemons (their own Pdeathsig); job processes
// a killed binary leaves are swept by the next Start, as before.

// netnsEnv marks the inner test binary; its value is the outer one's
// network namespace (readlink /proc/self/ns/net).
const netnsEnv = "TRANSSHIP_SLURM_NETNS"

// OuterNetns is the network namespace the test binary started in, when
// Main moved it into its own; "" when it did not.
func OuterNetns() string { return os.Getenv(netnsEnv) }

// isolate re-executes the test binary in a new network namespace when the
// real-runtime suite runs as root; done reports that the inner binary ran,
// with its exit status.
func isolate() (code int, done bool) {
	if os.Getenv(netnsEnv) != "" {
		// Slurm resolves 127.0.0.1 with getaddrinfo(AI_ADDRCONFIG), which
		// gives nothing for IPv4 when the only IPv4 address is loopback's
		// ("Unable to resolve 127.0.0.1", seen): a bridge with no ports and
		// a documentation address (TEST-NET-1) is that other address,
		// reaching nothing.
		for _, args := range [][]string{
			{"link", "set", "lo", "up"},
			{"link", "add", "tsslurm0", "type", "bridge"},
			{"addr", "add", "192.0.2.1/32", "dev", "tsslurm0"},
			{"link", "set", "tsslurm0", "up"},
		} {
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "slurm: ip %v in the test's network namespace: %v: %s\n", args, err, out)
				return 1, true
			}
		}
		return 0, false
	}
	if os.Getenv("TRANSSHIP_RUNTIMES_E2E") != "1" || os.Geteuid() != 0 {
		return 0, false // no namespace without root; jobs of the fake runtime listen nowhere
	}
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	outer, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		fmt.Fprintln(os.Stderr, "slurm:", err)
		return 1, true
	}
	cmd.Env = append(os.Environ(), netnsEnv+"="+outer)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	sp := daemon.NewSpawner() // Pdeathsig from a thread that lives on
	defer sp.Close()
	// ^C and TERM go on to the inner binary, which ends its cluster.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := sp.Start(cmd); err != nil {
		fmt.Fprintf(os.Stderr, "slurm: new network namespace: %v\n", err)
		return 1, true
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), true
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "slurm:", err)
		return 1, true
	}
	return 0, true
}
