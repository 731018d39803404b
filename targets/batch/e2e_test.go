package batch_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/transship/transship/internal/runtimedouble"
	"github.com/transship/transship/internal/slurm"
	"github.com/transship/transship/targets/batch"
)

// End-to-end tests: a compose project under testdata/e2e is loaded with
// translate.Load, emitted with batch.Emit and run, as job.sbatch on the
// real one-node Slurm of internal/slurm (or as run.sh under bash), with
// the recording runtime test double on PATH: every service runs on the
// host, in the project copy's work directory. Long-running services carry
// E2E_MARKER, a value unique to the test, in their environment: a process
// holding it after the job is one the teardown left behind.

// e2eProject is one test's copy of a testdata project, emitted.
// TestE2EOrder: depends_on conditions hold in a real job: migrate starts
// only once a health probe of db can have succeeded, app only once
// migrate has exited 0, and db, still running when app ends the job, is
// stopped by the teardown.
func TestE2EOrder(t *testing.T) {
	t.Parallel()
	c := slurm.Require(t)
	dbl := runtimedouble.Dir(t)
	p := newE2E(t, "order", "apptainer")
	job := p.sbatch(t, c, dbl)
	if job.ExitCode != 0 || job.State != "COMPLETED" {
		t.Errorf("job exit %d, state %s; want 0, COMPLETED\n%s", job.ExitCode, job.State, job.Output)
	}
	checkOrder(t, p, job.Output, "apptainer")
}

// checkOrder checks a run of the order project.
func checkOrder(t *testing.T, p *e2eProject, output, rt string) {
	t.Helper()
	checkLines(t, output,
		"transship: project order: 3 service(s) with "+rt+" ("+filepath.Join(runtimedouble.Dir(t), rt)+")",
		"transship: starting db",
		"transship: waiting for db to be healthy",
		"transship: db is healthy",
		"transship: starting migrate",
		"transship: migrate completed",
		"transship: starting app",
		"app | app saw: schema v2",
		"transship: app exited with status 0",
		"transship: stopping db",
	)
	// migrate and app had exited: only db is stopped.
	checkNoLine(t, output, "transship: stopping migrate")
	checkNoLine(t, output, "transship: stopping app")
	if got := readFile(t, filepath.Join(p.work, "log")); got != "migrate\napp\n" {
		t.Errorf("work/log = %q, want migrate then app", got)
	}

	recs := runtimedouble.Read(t, p.log)
	db, migrate, app := p.oneRun(t, recs, "db"), p.oneRun(t, recs, "migrate"), p.oneRun(t, recs, "app")
	var probes []runtimedouble.Record
	for _, r := range recs {
		if slices.Equal(strs(r.Command), []string{"test", "-f", "ready"}) {
			probes = append(probes, r)
			if w := r.Workdir; w != "/work" {
				t.Errorf("probe in %q, want /work", w)
			}
		}
	}
	ready := mtime(t, filepath.Join(p.work, "ready"))
	// A probe's record is written a moment before its test runs, and file
	// times come from the kernel's coarse clock: 150 ms either way.
	const slack = int64(150 * time.Millisecond)
	if ready-db.Time < int64(1400*time.Millisecond) {
		t.Errorf("work/ready written %v after db started, want about 1.5 s", time.Duration(ready-db.Time))
	}
	var before []runtimedouble.Record // probes before migrate started
	for _, r := range probes {
		if r.Time < migrate.Time {
			before = append(before, r)
		}
	}
	if len(before) == 0 {
		t.Fatalf("db was never probed before migrate started (%d probes in all)", len(probes))
	}
	failed := 0
	for _, r := range before {
		if r.Time < ready-slack {
			failed++ // ran before work/ready existed
		}
	}
	if failed == 0 {
		t.Errorf("no probe of db ran before work/ready existed: the launcher did not wait")
	}
	last := before[len(before)-1]
	if last.Time < ready-slack {
		t.Errorf("migrate started after a probe run %v before work/ready existed, with no probe since", time.Duration(ready-last.Time))
	}
	if migrate.Time < ready {
		t.Errorf("migrate started %v before db was ready", time.Duration(ready-migrate.Time))
	}
	// migrate writes migrated, sleeps 0.5 s, and touches migrate-exiting
	// as it exits: app must start after that.
	exiting := mtime(t, filepath.Join(p.work, "migrate-exiting"))
	if app.Time < exiting {
		t.Errorf("app started %v before migrate exited", time.Duration(exiting-app.Time))
	}
	if d := app.Time - migrate.Time; d < int64(500*time.Millisecond) {
		t.Errorf("app started %v after migrate, want at least migrate's 0.5 s", time.Duration(d))
	}
	t.Logf("%d probes (%d before work/ready); db→ready %v, ready→migrate %v, migrate→app %v",
		len(probes), failed, time.Duration(ready-db.Time).Round(time.Millisecond),
		time.Duration(migrate.Time-ready).Round(time.Millisecond), time.Duration(app.Time-migrate.Time).Round(time.Millisecond))
	p.checkNoLeftovers(t)
}

// TestE2EFailingDependency: a dependency that must complete successfully
// and exits 3 ends the job with its status, naming it, and what depends
// on it never starts.
func TestE2EFailingDependency(t *testing.T) {
	t.Parallel()
	c := slurm.Require(t)
	dbl := runtimedouble.Dir(t)
	p := newE2E(t, "faildep", "apptainer")
	job := p.sbatch(t, c, dbl)
	if job.ExitCode != 3 || job.State != "FAILED" {
		t.Errorf("job exit %d, state %s; want 3, FAILED", job.ExitCode, job.State)
	}
	checkLines(t, job.Output,
		"transship: starting init",
		"transship: error: dependency init exited with status 3",
	)
	checkNoLine(t, job.Output, "transship: starting app")
	recs := runtimedouble.Read(t, p.log)
	p.oneRun(t, recs, "init")
	if runs := p.runs(t, recs, "app"); len(runs) > 0 {
		t.Errorf("app was run %d times, want never", len(runs))
	}
	if !exists(filepath.Join(p.work, "init-ran")) {
		t.Error("work/init-ran missing: init did not run in work")
	}
	if exists(filepath.Join(p.work, "app-ran")) {
		t.Error("work/app-ran exists: app ran")
	}
}

// TestE2EExitCode: the service nothing depends on decides the job's exit
// status; the long-running services it depends on are stopped with TERM,
// in reverse start order, and none outlives the job.
func TestE2EExitCode(t *testing.T) {
	t.Parallel()
	c := slurm.Require(t)
	dbl := runtimedouble.Dir(t)
	p := newE2E(t, "exitcode", "apptainer")
	job := p.sbatch(t, c, dbl)
	if job.ExitCode != 5 || job.State != "FAILED" {
		t.Errorf("job exit %d, state %s; want 5, FAILED", job.ExitCode, job.State)
	}
	checkLines(t, job.Output,
		"transship: starting server",
		"transship: starting sidecar",
		"transship: starting job",
		"transship: error: service job exited with status 5",
		"transship: stopping sidecar",
		"transship: stopping server",
	)
	checkNoLine(t, job.Output, "transship: stopping job")
	if got := readFile(t, filepath.Join(p.work, "job-ran")); got != "job done\n" {
		t.Errorf("work/job-ran = %q", got)
	}
	// sidecar traps TERM; server (exec sleep) dies of it, as the missing
	// leftovers show.
	if got, err := os.ReadFile(filepath.Join(p.work, "sidecar-got-term")); string(got) != "TERM\n" {
		t.Errorf("work/sidecar-got-term = %q, %v: the teardown did not TERM sidecar", got, err)
	}
	recs := runtimedouble.Read(t, p.log)
	for _, n := range []string{"server", "sidecar", "job"} {
		p.oneRun(t, recs, n)
	}
	p.checkNoLeftovers(t)
}

// envWant is what testdata/e2e/env/compose.yaml gives each variable, as
// compose defines it: environment wins over env_file, whose unquoted
// values are interpolated ($dollar is unset: empty) and single-quoted
// ones are not.
var envWant = map[string]string{
	"SINGLE":           "it's 'single'",
	"DOUBLE":           `say "hi" ""`,
	"DOLLAR":           "$HOME and ${PATH} and $1",
	"BACKTICK":         "`touch pwned-backtick`",
	"SUBST":            "$(touch pwned-subst)",
	"COMMA":            "a,b,,c,",
	"EQUALS":           "k=v==w=",
	"NEWLINE":          "line1\nline2\n",
	"DASH":             "-e --help",
	"SPACES":           "  two  leading, two trailing  ",
	"HASH":             "value # not a comment",
	"BACKSLASH":        `C:\temp\new\\x\`,
	"GLOB":             "* ? [a-z] ~",
	"EMPTY":            "",
	"OVERRIDDEN":       "from environment",
	"FROM_FILE":        "plain value, with 'quotes' and a ",
	"FROM_FILE_QUOTED": `single quoted: "$NOT_EXPANDED" \n stays`,
}

// TestE2EEnvironment: each environment value reaches the service byte for
// byte, as compose-go resolved it; a variable without a value is not set.
func TestE2EEnvironment(t *testing.T) {
	t.Parallel()
	c := slurm.Require(t)
	dbl := runtimedouble.Dir(t)
	p := newE2E(t, "env", "apptainer")
	s := p.service(t, "show")
	var want []string // NAME=VALUE in the Graph's order
	names := map[string]bool{}
	for _, e := range s.Env {
		names[e.Name] = true
		if e.Name == "UNSET_ONE" {
			if e.Value != nil {
				t.Fatalf("compose-go gave UNSET_ONE the value %q, want none", *e.Value)
			}
			continue
		}
		if e.Value == nil {
			t.Fatalf("compose-go gave %s no value", e.Name)
		}
		if w, ok := envWant[e.Name]; !ok || w != *e.Value {
			t.Errorf("compose-go gave %s = %q, the test expects %q", e.Name, *e.Value, w)
		}
		want = append(want, e.Name+"="+*e.Value)
	}
	for n := range envWant {
		if !names[n] {
			t.Errorf("compose-go gave no %s", n)
		}
	}
	job := p.sbatch(t, c, dbl)
	if job.ExitCode != 0 {
		t.Fatalf("job exit %d, state %s\n%s", job.ExitCode, job.State, job.Output)
	}
	for _, kv := range want {
		name, value, _ := strings.Cut(kv, "=")
		got, err := os.ReadFile(filepath.Join(p.work, name+".out"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if string(got) != value {
			t.Errorf("%s: the service saw %q, want %q", name, got, value)
		}
	}
	if got := readFile(t, filepath.Join(p.work, "UNSET_ONE.out")); got != "" {
		t.Errorf("UNSET_ONE is set in the service (%q), want unset", got)
	}
	for _, f := range []string{"pwned-backtick", "pwned-subst"} {
		for _, d := range []string{p.work, p.dir, p.out, p.tmp, "/"} {
			if exists(filepath.Join(d, f)) {
				t.Errorf("%s was created in %s: a value was run as a command", f, d)
			}
		}
	}
	run := p.oneRun(t, runtimedouble.Read(t, p.log), "show")
	if got := strs(run.Env); !slices.Equal(got, want) {
		t.Errorf("the runtime was given the environment\n got %q\nwant %q", got, want)
	}
}

// TestE2ETerm: a TERM to the launcher alone, as Slurm sends it before the
// time limit (#SBATCH --signal=B:TERM@...) and scancel --batch
// --signal=TERM does, makes the teardown stop every service with its stop
// signal: keeper's trap records it. The same for a plain bash run.sh, and
// a job cancelled outright (scancel, which TERMs every process of the job)
// ends cleanly too.
func TestE2ETerm(t *testing.T) {
	t.Parallel()
	t.Run("scancel-batch", func(t *testing.T) {
		t.Parallel()
		c := slurm.Require(t)
		dbl := runtimedouble.Dir(t)
		p := newE2E(t, "term", "apptainer")
		job := p.sbatchSignal(t, c, dbl, "--batch", "--signal=TERM")
		if job.ExitCode != 143 || job.State != "FAILED" {
			t.Errorf("job exit %d, state %s; want 143 (the launcher's TERM exit), FAILED", job.ExitCode, job.State)
		}
		p.checkTerm(t, job.Output)
	})
	t.Run("scancel", func(t *testing.T) {
		t.Parallel()
		c := slurm.Require(t)
		dbl := runtimedouble.Dir(t)
		p := newE2E(t, "term", "apptainer")
		job := p.sbatchSignal(t, c, dbl)
		if job.State != "CANCELLED" && job.State != "" {
			t.Errorf("job state %s, want CANCELLED", job.State)
		}
		if !exists(filepath.Join(p.work, "got-term")) {
			t.Error("work/got-term missing: keeper never got TERM")
		}
		p.checkNoLeftovers(t)
	})
	t.Run("bash", func(t *testing.T) {
		t.Parallel()
		requireBash(t)
		dbl := runtimedouble.Dir(t)
		p := newE2E(t, "term", "apptainer")
		r := p.startBash(t, dbl)
		p.waitStarted(t, r.running)
		r.cmd.Process.Signal(syscall.SIGTERM)
		if code := r.wait(t, p); code != 143 {
			t.Errorf("run.sh exited %d, want 143", code)
		}
		p.checkTerm(t, r.out.String())
	})
}

// checkTerm checks a launcher that got TERM: the services stopped in
// reverse start order, keeper by its trap, nothing left.
func (p *e2eProject) checkTerm(t *testing.T, output string) {
	t.Helper()
	checkLines(t, output,
		"transship: starting keeper",
		"transship: starting decider",
		"transship: stopping decider",
		"transship: stopping keeper",
	)
	if !exists(filepath.Join(p.work, "got-term")) {
		t.Errorf("work/got-term missing: the teardown did not TERM keeper\n%s", output)
	}
	p.checkNoLeftovers(t)
}

// waitStarted waits until both services of the term project have started
// (at most 30 s: a job may wait for a free CPU), while alive holds.
func (p *e2eProject) waitStarted(t *testing.T, alive func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !exists(filepath.Join(p.work, "keeper-started")) || !exists(filepath.Join(p.work, "decider-started")) {
		if time.Now().After(deadline) || !alive() {
			t.Fatal("the services did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sbatchSignal submits job.sbatch, runs scancel with args on the job once
// its services have started, and waits for the job to end.
func (p *e2eProject) sbatchSignal(t *testing.T, c *slurm.Cluster, dbl string, args ...string) slurm.Job {
	t.Helper()
	scancel, err := exec.LookPath("scancel")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		job slurm.Job
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	go func() {
		job, err := c.Sbatch(ctx, p.out, batch.Sbatch, p.env(dbl))
		done <- result{job, err}
	}()
	finished := false
	var res result
	p.waitStarted(t, func() bool {
		select {
		case res = <-done:
			finished = true
		default:
		}
		return !finished
	})
	// The job's id is in its output file's name, there since it started.
	outs, _ := filepath.Glob(filepath.Join(p.out, "slurm-*.out"))
	if len(outs) != 1 {
		t.Fatalf("output files %q, want one", outs)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(outs[0]), "slurm-"), ".out")
	signalled := time.Now()
	cmd := exec.Command(scancel, append(args, id)...)
	cmd.Env = c.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scancel %q: %v: %s", args, err, out)
	}
	res = <-done
	if res.err != nil {
		t.Fatalf("%v%s", res.err, c.Logs())
	}
	t.Logf("job %s: exit %d, state %s, %v; ended %v after scancel %q", res.job.ID, res.job.ExitCode, res.job.State,
		time.Since(start).Round(time.Millisecond), time.Since(signalled).Round(time.Millisecond), args)
	if res.job.ID != id {
		t.Errorf("sbatch says job %s, the output file %s", res.job.ID, outs[0])
	}
	return res.job
}

// bashRun is run.sh running under bash, as the job would run it.
// TestE2EOrderRuntimes runs the order project with singularity and
// udocker, under plain bash: their command lines, probes included, must
// keep the same order and teardown.
func TestE2EOrderRuntimes(t *testing.T) {
	t.Parallel()
	requireBash(t)
	dbl := runtimedouble.Dir(t)
	for _, rt := range []string{"singularity", "udocker"} {
		t.Run(rt, func(t *testing.T) {
			t.Parallel()
			p := newE2E(t, "order", rt)
			r := p.startBash(t, dbl)
			if code := r.wait(t, p); code != 0 {
				t.Fatalf("run.sh exited %d\n%s", code, r.out)
			}
			checkOrder(t, p, r.out.String(), rt)
			recs := runtimedouble.Read(t, p.log)
			for _, r := range recs {
				if r.Runtime != rt {
					t.Errorf("the double was run as %s, want %s only", r.Runtime, rt)
				}
			}
			if rt == "udocker" {
				var created, removed []string
				for _, r := range recs {
					switch args := strs(r.Argv); r.Verb {
					case "create":
						for _, a := range args {
							if n, ok := strings.CutPrefix(a, "--name="); ok {
								created = append(created, n)
							}
						}
					case "rm": // teardown removes them all at once
						i := slices.Index(args, "rm")
						for _, a := range args[i+1:] {
							if !strings.HasPrefix(a, "-") {
								removed = append(removed, a)
							}
						}
					}
				}
				slices.Sort(created)
				slices.Sort(removed)
				if len(created) != 3 || !slices.Equal(created, removed) {
					t.Errorf("udocker containers created %q, removed %q; want the 3 created removed", created, removed)
				}
			}
		})
	}
}
