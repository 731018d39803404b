package batch_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/transship/transship/internal/slurm"
	"github.com/transship/transship/targets/batch"
)

// TestRealSlurm submits examples' job.sbatch to the real one-node Slurm
// (internal/slurm) as the unprivileged user, with the real runtimes:
// batch-pipeline ends by itself, web-db-cache fails as BAT126 says (web
// listens on port 22), and secrets-configs, which runs until stopped, is
// cancelled with scancel once it is up. slurmd starts the jobs, so they
// run in its network namespace: the one slurm.Main moved this test binary
// into, holding only loopback, not the machine's.
func TestRealSlurm(t *testing.T) {
	env := requireRealRuntimes(t)
	// Without root there is no namespace (slurm.Main says so).
	if outer, self := slurm.OuterNetns(), netNamespace(t); os.Geteuid() == 0 && (outer == "" || outer == self) {
		t.Fatalf("the test runs in the network namespace it started in (%s): its Slurm jobs would listen on the host's interfaces", self)
	}
	c := slurm.Require(t)
	// Beside the other real-runtime tests, whose runs have namespaces
	// of their own; its own runs share the node's ports, so one at a time.
	t.Parallel()
	for _, rt := range runtimes() {
		t.Run(rt, func(t *testing.T) {
			ws := env.workspace(t, rt)
			ws.cluster = c
			for _, name := range []string{"batch-pipeline", "web-db-cache", "secrets-configs"} {
				t.Run(name, func(t *testing.T) { ws.slurmExample(t, c, name) })
			}
		})
	}
}

func (ws *realWorkspace) slurmExample(t *testing.T, c *slurm.Cluster, name string) {
	x := ws.prepare(t, name, "slurm")
	long := x.long()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	done := make(chan sbatchResult, 1)
	start := time.Now()
	cred := &syscall.Credential{Uid: uint32(ws.env.uid), Gid: uint32(ws.env.gid)}
	if os.Geteuid() != 0 {
		cred = nil
	}
	go func() {
		// The node has 2 CPUs: the job's own request (the services'
		// limits summed) may be more.
		job, err := c.SbatchAs(ctx, cred, x.out, batch.Sbatch, ws.cmdEnv(), "--cpus-per-task=1", "--mem=500M")
		done <- sbatchResult{job, err}
	}()
	var res sbatchResult
	var cancelled time.Time
	if long {
		id, out := ws.waitUp(t, x, done, &res)
		if id != "" {
			cancelled = time.Now()
			cmd := exec.Command("scancel", id)
			cmd.Env = c.Env()
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("scancel %s: %v: %s", id, err, b)
			}
		} else {
			t.Errorf("the job did not come up:\n%s", out)
		}
	}
	if res.err == nil && res.job.ID == "" {
		res = <-done
	}
	if res.err != nil {
		t.Fatalf("%v%s", res.err, c.Logs())
	}
	r := runResult{code: res.job.ExitCode, out: res.job.Output, took: time.Since(start)}
	if long {
		r.took = time.Since(cancelled)
		// scancel TERMs every process of the job: the launcher's teardown
		// then stops the services; Slurm calls the job CANCELLED.
		if res.job.State != "CANCELLED" && res.job.State != "" {
			t.Errorf("job state %s, want CANCELLED", res.job.State)
		}
		x.cancelled = true // its state, not sbatch's exit status, says so
		for _, s := range x.g.Services {
			if !x.plan.real[s.Name] && !oneShot(x.g, s) && !strings.Contains(r.out, s.Name+" | got TERM, stopping") {
				t.Errorf("%s did not get its stop signal", s.Name)
			}
		}
	}
	x.finish(t, ws, r, long)
}

type sbatchResult struct {
	job slurm.Job
	err error
}

// waitUp waits until the job's output shows every service up, and
// returns the job's id (from its output file's name) and the output.
func (ws *realWorkspace) waitUp(t *testing.T, x *exampleRun, done chan sbatchResult, res *sbatchResult) (string, string) {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case *res = <-done:
			return "", res.job.Output
		default:
		}
		outs, _ := filepath.Glob(filepath.Join(x.out, "slurm-*.out"))
		if len(outs) == 1 {
			b, _ := os.ReadFile(outs[0])
			if x.up(string(b)) {
				return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(outs[0]), "slurm-"), ".out"), string(b)
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	return "", ""
}

// netNamespace is this process's network namespace.
func netNamespace(t *testing.T) string {
	t.Helper()
	ns, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}
