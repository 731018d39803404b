package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Job is the outcome of one batch job.
type Job struct {
	ID string
	// ExitCode is sbatch --wait's exit status: the job's exit code, or 1
	// when a signal ended it.
	ExitCode int
	// Output is the content of the job's output file.
	Output string
	// State is the job's state (COMPLETED, FAILED, ...) from scontrol show
	// job right after it ended; empty when slurmctld had already purged it.
	State string
	// Stderr is sbatch's own stderr (its warnings), not the job's.
	Stderr string
}

// Sbatch runs `sbatch --wait --parsable --chdir=dir [--output=...]
// extra... script` in dir, with env (KEY=VALUE entries) added to Env(): as
// sbatch exports its environment by default, they reach the job. It waits
// for the job to end; the output file is dir/slurm-<id>.out unless extra
// sets --output (then it is read from the path scontrol reports). When ctx
// ends first, sbatch is killed and the job cancelled.
//
// A job that fails is not an error: see ExitCode and State. Errors are
// submissions sbatch refused (with its message) and jobs whose end could
// not be observed.
func (c *Cluster) Sbatch(ctx context.Context, dir, script string, env []string, extra ...string) (Job, error) {
	return c.SbatchAs(ctx, nil, dir, script, env, extra...)
}

// SbatchAs is Sbatch run as the user of cred (nil: the test's own), so
// that the job runs as that user, as an HPC user's job does: the
// real-runtime tests need an unprivileged one. dir must be theirs.
func (c *Cluster) SbatchAs(ctx context.Context, cred *syscall.Credential, dir, script string, env []string, extra ...string) (Job, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Job{}, err
	}
	args := []string{"--wait", "--parsable", "--chdir=" + dir}
	ownOutput := !setsOutput(extra)
	if ownOutput {
		args = append(args, "--output="+filepath.Join(dir, "slurm-%j.out"))
	}
	args = append(append(args, extra...), script)
	cmd := c.command(ctx, "sbatch", args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	// From the spawner, so with Pdeathsig: no sbatch left polling a dead
	// cluster.
	if err := c.spawner.Start(cmd); err != nil {
		return Job{}, fmt.Errorf("sbatch %s: %w", script, err)
	}
	err = cmd.Wait()

	// --parsable prints "ID" or "ID;CLUSTER" as soon as the job is queued.
	id, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), "\n")
	id, _, _ = strings.Cut(id, ";")
	job := Job{ID: id, Stderr: stderr.String()}
	if ctx.Err() != nil {
		if id != "" {
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c.command(cctx, "scancel", id).Run()
		}
		return job, fmt.Errorf("sbatch %s (job %q, cancelled): %w", script, id, ctx.Err())
	}
	if id == "" {
		return job, fmt.Errorf("sbatch %s: %v: %s", script, err, strings.TrimSpace(job.Stderr))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		job.ExitCode = ee.ExitCode()
	} else if err != nil {
		return job, fmt.Errorf("sbatch %s (job %s): %w", script, id, err)
	}
	if strings.Contains(job.Stderr, "no longer found") {
		// sbatch then exits 0 whatever the job did.
		return job, fmt.Errorf("sbatch %s: job %s was purged before sbatch saw it end: %s", script, id, strings.TrimSpace(job.Stderr))
	}

	// COMPLETING is transient: the batch script has ended, and slurmd
	// waits for the rest of the job's processes (a launcher's output
	// prefixers draining, say) before the final state.
	state, stdoutPath := c.showJob(id)
	for deadline := time.Now().Add(30 * time.Second); state == "COMPLETING" && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		state, stdoutPath = c.showJob(id)
	}
	job.State = state
	if ownOutput {
		stdoutPath = filepath.Join(dir, "slurm-"+id+".out")
	}
	if stdoutPath == "" {
		return job, nil // set by extra, and the job is gone: unknown
	}
	if !filepath.IsAbs(stdoutPath) {
		stdoutPath = filepath.Join(dir, stdoutPath)
	}
	data, err := os.ReadFile(stdoutPath)
	if err != nil && ownOutput {
		return job, fmt.Errorf("job %s: %w", id, err)
	}
	job.Output = string(data)
	return job, nil
}

// setsOutput reports whether sbatch arguments set the output file.
func setsOutput(args []string) bool {
	for _, a := range args {
		if a == "-o" || a == "--output" || strings.HasPrefix(a, "--output=") ||
			(strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--")) {
			return true
		}
	}
	return false
}

var (
	jobStateRE = regexp.MustCompile(`(?:^|\s)JobState=(\S+)`)
	stdOutRE   = regexp.MustCompile(`(?:^|\s)StdOut=(\S+)`)
)

// showJob returns a job's state and output path from `scontrol show job`,
// or empty strings when slurmctld no longer knows it.
func (c *Cluster) showJob(id string) (state, stdout string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.command(ctx, "scontrol", "show", "job", "-o", id).Output()
	if err != nil {
		return "", ""
	}
	if m := jobStateRE.FindSubmatch(out); m != nil {
		state = string(m[1])
	}
	if m := stdOutRE.FindSubmatch(out); m != nil {
		stdout = string(m[1])
	}
	return state, stdout
}
