package batch_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/transship/transship/internal/runtimedouble"
	"github.com/transship/transship/internal/slurm"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// Helpers of the end-to-end tests (e2e_test.go).

// e2eProject is one test's copy of a testdata project, emitted.
type e2eProject struct {
	tmp    string // the test's temporary directory: HOME, TMPDIR, the double's log
	dir    string // the project copy, tmp/<name>
	out    string // the emitted files, dir/out
	work   string // dir/work, bound to /work in every service
	log    string // the double's log
	marker string
	g      *translate.Graph
}

// newE2E copies testdata/e2e/name into a temporary directory, loads it
// and emits it for runtime rt into an output directory inside the copy.
func newE2E(t *testing.T, name, rt string) *e2eProject {
	t.Helper()
	tmp := t.TempDir()
	p := &e2eProject{tmp: tmp, dir: filepath.Join(tmp, name), log: filepath.Join(tmp, "double.log")}
	p.out = filepath.Join(p.dir, "out")
	p.work = filepath.Join(p.dir, "work")
	if err := os.CopyFS(p.dir, os.DirFS(filepath.Join("testdata", "e2e", name))); err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 8)
	rand.Read(rnd)
	p.marker = "transship-e2e-" + hex.EncodeToString(rnd)
	t.Cleanup(func() { killMarked(p.marker) })
	g, ds := translate.Load(context.Background(), translate.Options{
		Files: []string{filepath.Join(p.dir, "compose.yaml")},
		Env:   []string{"E2E_MARKER=" + p.marker},
	})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	p.g = g
	files, ds := batch.Emit(g, batch.Options{
		Site:       site.Batch{Scheduler: "slurm", Runtime: rt, Walltime: "00:10:00", MinCPUs: 1, MinMemory: "100m"},
		ProjectDir: "..",
	})
	if ds.HasErrors() {
		t.Fatalf("emit: %v", ds)
	}
	writeFiles(t, p.out, files)
	return p
}

// env is the job's environment: the double first on PATH, everything the
// job writes in the test's temporary directory.
func (p *e2eProject) env(dbl string) []string {
	return []string{
		"PATH=" + dbl + ":/usr/local/bin:/usr/bin:/bin",
		runtimedouble.LogEnv + "=" + p.log,
		"TRANSSHIP_IMAGE_CACHE=" + filepath.Join(p.tmp, "cache"),
		"TRANSSHIP_CVMFS_UNPACKED=",
		"HOME=" + p.tmp,
		"TMPDIR=" + p.tmp,
	}
}

// sbatch submits job.sbatch and waits for the job to end.
func (p *e2eProject) sbatch(t *testing.T, c *slurm.Cluster, dbl string) slurm.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	job, err := c.Sbatch(ctx, p.out, batch.Sbatch, p.env(dbl))
	if err != nil {
		t.Fatalf("%v%s", err, c.Logs())
	}
	t.Logf("job %s: exit %d, state %s, %v", job.ID, job.ExitCode, job.State, time.Since(start).Round(time.Millisecond))
	return job
}

// service is the loaded service called name.
func (p *e2eProject) service(t *testing.T, name string) *translate.Service {
	t.Helper()
	for _, s := range p.g.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s in the project", name)
	return nil
}

// runs are the records of the double running the command of service
// name (not its health probes).
func (p *e2eProject) runs(t *testing.T, recs []runtimedouble.Record, name string) []runtimedouble.Record {
	t.Helper()
	want := p.service(t, name).Command
	var out []runtimedouble.Record
	for _, r := range recs {
		if (r.Verb == "run" || r.Verb == "exec") && slices.Equal(strs(r.Command), want) {
			out = append(out, r)
		}
	}
	return out
}

// oneRun is the only run of service name.
func (p *e2eProject) oneRun(t *testing.T, recs []runtimedouble.Record, name string) runtimedouble.Record {
	t.Helper()
	runs := p.runs(t, recs, name)
	if len(runs) != 1 {
		t.Fatalf("service %s was run %d times, want once", name, len(runs))
	}
	return runs[0]
}

// mtime is a file's modification time in ns, as the double's record times.
func mtime(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime().UnixNano()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// markedProcs are the live processes whose environment holds marker.
func markedProcs(marker string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ") // empty for zombies
		if bytes.Contains(env, []byte(marker)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killMarked kills what a failed test left behind.
func killMarked(marker string) {
	for _, pid := range markedProcs(marker) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// checkNoLeftovers fails when a process of the project is still alive.
func (p *e2eProject) checkNoLeftovers(t *testing.T) {
	t.Helper()
	if pids := markedProcs(p.marker); len(pids) > 0 {
		var desc []string
		for _, pid := range pids {
			cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			desc = append(desc, fmt.Sprintf("%d %q", pid, strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")))
		}
		t.Errorf("processes of the job still alive after it ended: %s", strings.Join(desc, ", "))
	}
}

// checkLines fails unless each line of want is a whole line of output,
// in this order.
func checkLines(t *testing.T, output string, want ...string) {
	t.Helper()
	lines := strings.Split(output, "\n")
	i := 0
	for _, w := range want {
		j := slices.Index(lines[i:], w)
		if j < 0 {
			if slices.Contains(lines, w) {
				t.Errorf("line %q is out of order in the output:\n%s", w, output)
			} else {
				t.Errorf("no line %q in the output:\n%s", w, output)
			}
			return
		}
		i += j + 1
	}
}

// checkNoLine fails when a line of output starts with prefix.
func checkNoLine(t *testing.T, output, prefix string) {
	t.Helper()
	for l := range strings.Lines(output) {
		if strings.HasPrefix(l, prefix) {
			t.Errorf("unexpected line %q in the output:\n%s", strings.TrimSuffix(l, "\n"), output)
		}
	}
}

type bashRun struct {
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr, as in a Slurm output file
	done chan struct{}
	err  error // Wait's, once done is closed
}

// startBash starts run.sh; the test's end kills it if it still runs.
func (p *e2eProject) startBash(t *testing.T, dbl string) *bashRun {
	t.Helper()
	cmd := exec.Command("bash", batch.Launcher)
	cmd.Dir = p.out
	cmd.Env = append(p.env(dbl), "UDOCKER_DIR="+filepath.Join(p.tmp, "udocker"))
	r := &bashRun{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	// A service left running holds the output pipe: Wait must not wait
	// for it (checkNoLeftovers reports it).
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-r.done
	})
	return r
}

func (r *bashRun) running() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

// wait waits (at most 30 s) for run.sh and returns its exit status.
func (r *bashRun) wait(t *testing.T, p *e2eProject) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		r.cmd.Process.Kill()
		killMarked(p.marker)
		<-r.done
		t.Fatalf("run.sh still running after 30 s: killed\n%s", r.out)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(r.err, &ee):
		return ee.ExitCode()
	case errors.Is(r.err, exec.ErrWaitDelay):
		t.Errorf("run.sh exited 0, but a process it started still holds its output")
	case r.err != nil:
		t.Fatal(r.err)
	}
	return 0
}

// syncBuffer is a bytes.Buffer safe for the writers of a running command
// and a reader in the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
