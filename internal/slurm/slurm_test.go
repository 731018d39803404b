package slurm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// submit writes script to a new directory as job.sbatch and runs it.
func submit(t *testing.T, c *Cluster, script string, env []string, extra ...string) Job {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "job.sbatch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	job, err := c.Sbatch(ctx, dir, "job.sbatch", env, extra...)
	if err != nil {
		t.Fatalf("%v%s", err, c.Logs())
	}
	t.Logf("job %s: exit %d, state %s, %v", job.ID, job.ExitCode, job.State, time.Since(start).Round(time.Millisecond))
	return job
}

func TestStart(t *testing.T) {
	start := time.Now()
	c := Require(t)
	t.Logf("cluster ready in %v (node %s, conf %s)", time.Since(start).Round(time.Millisecond), c.Node, c.Conf)
}

func TestExitCodeAndOutput(t *testing.T) {
	t.Parallel()
	c := Require(t)
	job := submit(t, c, "#!/bin/bash\necho hello; exit 3\n", nil)
	if job.ExitCode != 3 || !strings.Contains(job.Output, "hello") {
		t.Errorf("got exit %d, output %q; want 3 and hello", job.ExitCode, job.Output)
	}
	if job.State != "FAILED" {
		t.Errorf("state %q, want FAILED", job.State)
	}
}

func TestEnvReachesJob(t *testing.T) {
	t.Parallel()
	c := Require(t)
	job := submit(t, c, "#!/bin/bash\necho \"greeting=$TRANSSHIP_GREETING\"\n", []string{"TRANSSHIP_GREETING=bonjour"})
	if job.ExitCode != 0 || !strings.Contains(job.Output, "greeting=bonjour") {
		t.Errorf("got exit %d, output %q; want 0 and greeting=bonjour", job.ExitCode, job.Output)
	}
	if job.State != "COMPLETED" {
		t.Errorf("state %q, want COMPLETED", job.State)
	}
}

func TestOutputSetByCaller(t *testing.T) {
	t.Parallel()
	c := Require(t)
	job := submit(t, c, "#!/bin/bash\necho to-my-file\n", nil, "--output=my-%j.log")
	if !strings.Contains(job.Output, "to-my-file") {
		t.Errorf("output %q, want to-my-file", job.Output)
	}
}

func TestSubmissionRefused(t *testing.T) {
	t.Parallel()
	c := Require(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "job.sbatch"), []byte("#!/bin/bash\ntrue\n"), 0o755)
	_, err := c.Sbatch(context.Background(), dir, "job.sbatch", nil, "--partition=nosuch")
	if err == nil || !strings.Contains(err.Error(), "invalid partition") {
		t.Errorf("got %v, want sbatch's invalid partition error", err)
	}
}

func TestConcurrentJobs(t *testing.T) {
	t.Parallel()
	c := Require(t)
	var wg sync.WaitGroup
	jobs := make([]Job, 2)
	for i := range jobs {
		wg.Go(func() { jobs[i] = submit(t, c, "#!/bin/bash\nsleep 1; echo done\n", nil) })
	}
	wg.Wait()
	if jobs[0].ID == jobs[1].ID {
		t.Errorf("both jobs have id %s", jobs[0].ID)
	}
	for _, j := range jobs {
		if j.ExitCode != 0 || !strings.Contains(j.Output, "done") {
			t.Errorf("job %s: exit %d, output %q", j.ID, j.ExitCode, j.Output)
		}
	}
}

// TestCancelOnContext: a job still running when ctx ends is cancelled, and
// Close would kill its processes anyway.
func TestCancelOnContext(t *testing.T) {
	t.Parallel()
	c := Require(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "job.sbatch"), []byte("#!/bin/bash\nsleep 300\n"), 0o755)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	job, err := c.Sbatch(ctx, dir, "job.sbatch", nil)
	if err == nil || job.ID == "" {
		t.Fatalf("got job %+v, err %v; want a cancelled job", job, err)
	}
	t.Log(err)
	deadline := time.Now().Add(10 * time.Second)
	for {
		state, _ := c.showJob(job.ID)
		if state == "" || state == "CANCELLED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after scancel", job.ID, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestCloseKillsJobs: slurmd leaves running jobs to their slurmstepd when
// it stops; Close must kill them, even one that left the process tree. It
// also runs a second cluster next to the shared one, as parallel test
// binaries do.
func TestCloseKillsJobs(t *testing.T) {
	t.Parallel()
	Require(t) // for the skip
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "job.sbatch"), []byte("#!/bin/bash\nsetsid sleep 301 &\nsleep 302\n"), 0o755)
	out, err := c.command(ctx, "sbatch", "--parsable", "--chdir="+dir, "job.sbatch").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	id := strings.TrimSpace(string(out))
	mine := func(d string) bool { return d == c.Dir }
	for len(markedProcs(mine)) < 4 { // slurmstepd, the script, two sleeps
		if ctx.Err() != nil {
			t.Fatalf("job %s not running: %v%s", id, markedProcs(mine), c.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	start := time.Now()
	c.Close()
	t.Logf("Close took %v", time.Since(start).Round(time.Millisecond))
	if pids := markedProcs(mine); len(pids) > 0 {
		t.Errorf("processes left after Close: %v", pids)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("%s not removed: %v", c.Dir, err)
	}
}
