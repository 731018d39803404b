package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logLine is the record format as a consumer elsewhere would copy it. It
// is deliberately not the Record type, so a drift in field names or tags
// fails decoding (DisallowUnknownFields) instead of passing silently.
type logLine struct {
	Runtime  string   `json:"runtime"`
	Verb     string   `json:"verb"`
	Argv     [][]byte `json:"argv"`
	Image    string   `json:"image,omitempty"`
	Command  [][]byte `json:"command,omitempty"`
	Env      [][]byte `json:"env,omitempty"`
	Binds    []string `json:"binds,omitempty"`
	Workdir  string   `json:"workdir,omitempty"`
	Flags    []string `json:"flags,omitempty"`
	Hostname string   `json:"hostname,omitempty"`
	PID      int      `json:"pid"`
	Time     int64    `json:"time"`
}

// nasty holds what shell-built env passing tends to break: quotes, $,
// backquotes, a newline, '=', a comma and bytes that are not UTF-8.
const nasty = "it's \"q\" $HOME `id` \\ a,b=c\nline2 \x80\xff end"

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// doubleDir builds the double once per test binary, as other packages'
// tests will: `go build -o DIR/apptainer`, plus the two symlinks.
func doubleDir(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH; cannot build the test double")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "fakeruntime"); buildErr != nil {
			return
		}
		out, err := exec.Command(goBin, "build", "-o", filepath.Join(binDir, "apptainer"), ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		for _, n := range []string{"singularity", "udocker"} {
			if buildErr = os.Symlink("apptainer", filepath.Join(binDir, n)); buildErr != nil {
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// harness is one test's sandbox: its own log, HOME and scratch dir.
type harness struct {
	t   *testing.T
	bin string
	dir string
	log string
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, bin: doubleDir(t), dir: t.TempDir()}
	h.log = filepath.Join(h.dir, "double.log")
	if err := os.Mkdir(filepath.Join(h.dir, "home"), 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// command prepares a call of the double under name; the environment is
// built from scratch so the runner's own variables cannot leak in.
func (h *harness) command(name string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(h.bin, name), args...)
	cmd.Env = append([]string{
		"PATH=" + h.bin + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(h.dir, "home"),
		logEnv + "=" + h.log,
	}, env...)
	cmd.Dir = h.dir
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

func (h *harness) run(name string, env []string, args ...string) result {
	h.t.Helper()
	cmd := h.command(name, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		h.t.Fatalf("%s %q: %v", name, args, err)
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// mustRun fails the test unless the call exits with want.
func (h *harness) mustRun(want int, name string, env []string, args ...string) result {
	h.t.Helper()
	r := h.run(name, env, args...)
	if r.code != want {
		h.t.Fatalf("%s %q: exit %d, want %d\nstdout: %s\nstderr: %s", name, args, r.code, want, r.stdout, r.stderr)
	}
	return r
}

func (h *harness) records() []logLine {
	h.t.Helper()
	data, err := os.ReadFile(h.log)
	if err != nil {
		h.t.Fatal(err)
	}
	var recs []logLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var r logLine
		if err := dec.Decode(&r); err != nil {
			h.t.Fatalf("bad log line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

func (h *harness) last() logLine {
	h.t.Helper()
	recs := h.records()
	if len(recs) == 0 {
		h.t.Fatal("no record written")
	}
	return recs[len(recs)-1]
}

// image pulls a placeholder SIF that exec/run accept.
func (h *harness) image() string {
	h.t.Helper()
	img := filepath.Join(h.dir, "images", "app.sif")
	h.mustRun(0, "apptainer", nil, "pull", img, "docker://example/app:1")
	return img
}

func strs(bs [][]byte) []string {
	out := []string{}
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

var safe = []string{"--containall", "--no-eval"}

func appExec(img string, args ...string) []string {
	return append(append(append([]string{"exec"}, safe...), img), args...)
}

func TestVersion(t *testing.T) {
	h := newHarness(t)
	for name, want := range map[string]string{
		"apptainer":   "apptainer version 1.5.3 (transship test double)\n",
		"singularity": "singularity-ce version 4.3.1 (transship test double)\n",
		"udocker":     "udocker 1.3.16 (transship test double)\n",
	} {
		for _, verb := range []string{"version", "--version"} {
			if r := h.mustRun(0, name, nil, verb); r.stdout != want {
				t.Errorf("%s %s: %q, want %q", name, verb, r.stdout, want)
			}
			if rec := h.last(); rec.Runtime != name || rec.Verb != "version" {
				t.Errorf("%s %s recorded as %s %s", name, verb, rec.Runtime, rec.Verb)
			}
		}
	}
}

func TestLogUnset(t *testing.T) {
	h := newHarness(t)
	cmd := exec.Command(filepath.Join(h.bin, "apptainer"), "version")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 97 || !strings.Contains(string(out), "TRANSSHIP_DOUBLE_LOG not set") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

// TestEnvByteExact passes a hostile value through APPTAINERENV_ and checks
// it in the record and in the command's own environment.
func TestEnvByteExact(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	env := []string{"APPTAINERENV_X=" + nasty, "SINGULARITYENV_S=no", "APPTAINERENV_Y=plain", "UNRELATED=no"}
	r := h.mustRun(0, "apptainer", env, appExec(img, "sh", "-c", `printf %s "$X"`)...)
	if r.stdout != nasty {
		t.Errorf("command saw X=%q, want %q", r.stdout, nasty)
	}
	rec := h.last()
	if got, want := strs(rec.Env), []string{"X=" + nasty, "Y=plain"}; !slices.Equal(got, want) {
		t.Errorf("recorded env %q, want %q (defaults must not be recorded)", got, want)
	}
	if got := strs(rec.Command); !slices.Equal(got, []string{"sh", "-c", `printf %s "$X"`}) {
		t.Errorf("recorded command %q", got)
	}
	r = h.mustRun(0, "apptainer", env, appExec(img, "/usr/bin/env", "-0")...)
	got := strings.Split(strings.TrimSuffix(r.stdout, "\x00"), "\x00")
	want := []string{"X=" + nasty, "Y=plain", "PATH=" + defaultPath, "HOME=" + filepath.Join(h.dir, "home")}
	if !slices.Equal(got, want) {
		t.Errorf("command environment %q, want %q", got, want)
	}
}

func TestSingularityReadsOwnPrefix(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	env := []string{"APPTAINERENV_A=a", "SINGULARITYENV_S=" + nasty, "SINGULARITYENV_PATH=/usr/bin:/bin"}
	h.mustRun(0, "singularity", env, appExec(img, "true")...)
	if got := strs(h.last().Env); !slices.Equal(got, []string{"S=" + nasty, "PATH=/usr/bin:/bin"}) {
		t.Errorf("singularity env %q", got)
	}
}

func TestArgvByteExact(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	h.mustRun(0, "apptainer", nil, appExec(img, "true", nasty, "")...)
	want := appExec(img, "true", nasty, "")
	if got := strs(h.last().Argv); !slices.Equal(got, want) {
		t.Errorf("argv %q, want %q", got, want)
	}
}

func TestExitStatus(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	h.mustRun(7, "apptainer", nil, appExec(img, "sh", "-c", "exit 7")...)
	h.mustRun(0, "udocker", nil, "create", "--name=c", "img:1")
	h.mustRun(9, "udocker", nil, "run", "--nobanner", "c", "sh", "-c", "exit 9")
}

// TestCommandUsesContainerPath: the host's PATH must not find commands.
func TestCommandUsesContainerPath(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	r := h.mustRun(255, "apptainer", []string{"APPTAINERENV_PATH=/nonexistent"}, appExec(img, "sh", "-c", "true")...)
	if !strings.Contains(r.stderr, `FATAL: "sh": executable file not found in $PATH`) {
		t.Errorf("stderr %q", r.stderr)
	}
	h.mustRun(0, "apptainer", []string{"APPTAINERENV_PATH=/nonexistent"}, appExec(img, "/bin/sh", "-c", "true")...)
}

func TestRunWithoutCommand(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	r := h.mustRun(0, "apptainer", nil, "run", "--cleanenv", "--no-eval", img)
	if !strings.Contains(r.stderr, "no runscript") || h.last().Verb != "run" {
		t.Errorf("stderr %q", r.stderr)
	}
	h.mustRun(7, "apptainer", nil, "run", "--cleanenv", "--no-eval", img, "sh", "-c", "exit 7")
	h.mustRun(0, "udocker", nil, "create", "--name=c", "img:1")
	h.mustRun(0, "udocker", nil, "run", "--entrypoint=", "c")
}

func TestPull(t *testing.T) {
	h := newHarness(t)
	img := filepath.Join(h.dir, "a", "b", "x.sif")
	h.mustRun(0, "apptainer", nil, "pull", "--disable-cache", img, "oras://reg/x:1")
	if b, _ := os.ReadFile(img); string(b) != "test double image for oras://reg/x:1\n" {
		t.Errorf("image content %q", b)
	}
	if rec := h.last(); rec.Image != "oras://reg/x:1" || !slices.Equal(rec.Flags, []string{"--disable-cache"}) {
		t.Errorf("record %+v", rec)
	}
	r := h.mustRun(255, "apptainer", nil, "pull", img, "docker://x")
	if !strings.Contains(r.stderr, "FATAL: Image file already exists") {
		t.Errorf("stderr %q", r.stderr)
	}
	h.mustRun(0, "apptainer", nil, "pull", "--force", img, "docker://x")
	h.mustRun(255, "apptainer", nil, "pull", img+"2", "library://x")
}

// TestRejections checks the CLI subset: each call fails with the runtime's
// code and still leaves a record of what was asked.
func TestRejections(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	h.mustRun(0, "udocker", nil, "create", "--name=c", "img:1")
	dir := h.dir
	cases := []struct {
		name, runtime string
		args          []string
		code          int
		msg           string
	}{
		{"exec no args", "apptainer", []string{"exec"}, 255, "must pass --no-eval"},
		{"unknown flag", "apptainer", []string{"exec", "--containall", "--no-eval", "--bogus", img, "true"}, 255, "FATAL: test double: unknown flag --bogus"},
		{"bool with value", "apptainer", []string{"exec", "--containall", "--no-eval", "--nv=true", img, "true"}, 255, "unknown flag"},
		{"--env", "apptainer", []string{"exec", "--containall", "--no-eval", "--env", "A=1", img, "true"}, 255, "must not use --env"},
		{"--env=", "singularity", []string{"exec", "--containall", "--no-eval", "--env=A=1", img, "true"}, 255, "must not use --env"},
		{"--env-file", "apptainer", []string{"exec", "--containall", "--no-eval", "--env-file", "f", img, "true"}, 255, "must not use --env-file"},
		{"no --no-eval", "apptainer", []string{"exec", "--containall", img, "true"}, 255, "must pass --no-eval and --containall"},
		{"no --containall", "apptainer", []string{"run", "--no-eval", img}, 255, "must pass --no-eval and --containall"},
		{"bind comma", "apptainer", []string{"exec", "--containall", "--no-eval", "--bind", dir + ":/a," + dir + ":/b", img, "true"}, 255, "one --bind per mount; commas are not allowed"},
		{"bind missing", "apptainer", []string{"exec", "--containall", "--no-eval", "-B=/nonexistent:/x", img, "true"}, 255, "FATAL: container creation failed: mount /nonexistent: no such file or directory"},
		{"bind option", "apptainer", []string{"exec", "--containall", "--no-eval", "-B", dir + ":/x:rx", img, "true"}, 255, "not src[:dst[:ro|rw]]"},
		{"no image", "apptainer", []string{"exec", "--containall", "--no-eval", dir + "/none.sif", "true"}, 255, "FATAL: could not open image " + dir + "/none.sif"},
		{"exec no cmd", "apptainer", []string{"exec", "--containall", "--no-eval", img}, 255, "needs a command"},
		{"apptainer verb", "apptainer", []string{"shell", img}, 255, "unsupported verb"},
		{"ro", "udocker", []string{"run", "-v", dir + ":/d:ro", "c", "true"}, 1, "udocker has no :ro; the generator must drop it"},
		{"ro long", "udocker", []string{"run", "--volume=" + dir + ":/d:ro", "c", "true"}, 1, "udocker has no :ro"},
		{"relative volume", "udocker", []string{"run", "-v", "rel:/d", "c", "true"}, 1, "absolute"},
		{"hostenv", "udocker", []string{"run", "--hostenv", "c", "true"}, 1, "--hostenv"},
		{"run option", "udocker", []string{"run", "--publish=80:80", "c", "true"}, 1, "test double: unknown run option"},
		{"run -e no =", "udocker", []string{"run", "-e", "NOVALUE", "c", "true"}, 1, "K=V"},
		{"run missing", "udocker", []string{"run", "nosuch", "true"}, 1, "not found"},
		{"setup R1", "udocker", []string{"setup", "--execmode=R1", "c"}, 1, "generated scripts must use P1/P2: R1 loses exit codes without a TTY"},
		{"setup F1", "udocker", []string{"setup", "--execmode=F1", "c"}, 1, "P1/P2"},
		{"udocker verb", "udocker", []string{"ps"}, 1, "test double: unsupported verb"},
		{"udocker global", "udocker", []string{"--config=x", "version"}, 1, "unknown global option"},
		{"inspect missing", "udocker", []string{"inspect", "nosuch"}, 1, ""},
	}
	for _, c := range cases {
		before := len(h.records())
		r := h.run(c.runtime, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%s: exit %d stderr %q; want %d and %q", c.name, r.code, r.stderr, c.code, c.msg)
		}
		if n := len(h.records()); n != before+1 {
			t.Errorf("%s: %d records written, want 1", c.name, n-before)
		}
	}
}

func TestUdockerEnvSplitsAtFirstEquals(t *testing.T) {
	h := newHarness(t)
	h.mustRun(0, "udocker", nil, "create", "--name=c", "img:1")
	r := h.mustRun(0, "udocker", []string{"LEAK=host"}, "run", "--nobanner",
		"-e", "A=b=c", "--env=B==", "-e", "C="+nasty, "-e", "D=",
		"c", "sh", "-c", `printf '%s|%s|%s|%s|%s' "$A" "$B" "$C" "$D" "${LEAK-unset}"`)
	if want := "b=c|=|" + nasty + "||unset"; r.stdout != want {
		t.Errorf("command saw %q, want %q", r.stdout, want)
	}
	rec := h.last()
	if got, want := strs(rec.Env), []string{"A=b=c", "B==", "C=" + nasty, "D="}; !slices.Equal(got, want) {
		t.Errorf("recorded env %q, want %q", got, want)
	}
	if rec.Image != "img:1" || !slices.Equal(rec.Flags, []string{"--nobanner"}) {
		t.Errorf("record %+v", rec)
	}
}

func TestUdockerEntrypoint(t *testing.T) {
	h := newHarness(t)
	h.mustRun(0, "udocker", nil, "create", "--name=c", "img:1")
	r := h.mustRun(0, "udocker", nil, "run", "--entrypoint=echo", "--hostname=web", "--user=1000", "c", "a", "b")
	if r.stdout != "a b\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if rec := h.last(); !slices.Equal(strs(rec.Command), []string{"echo", "a", "b"}) || rec.Hostname != "web" {
		t.Errorf("record %+v", rec)
	}
	h.mustRun(0, "udocker", nil, "run", "--entrypoint=", "c", "true")
	if got := strs(h.last().Command); !slices.Equal(got, []string{"true"}) {
		t.Errorf("empty entrypoint: command %q", got)
	}
}

func TestUdockerLifecycle(t *testing.T) {
	h := newHarness(t)
	udir := filepath.Join(h.dir, "ud")
	env := []string{"UDOCKER_DIR=" + udir}
	h.mustRun(0, "udocker", env, "pull", "--registry=https://r.example", "img:1")
	r := h.mustRun(0, "udocker", env, "-q", "create", "--name=web", "img:1")
	if id := strings.TrimSpace(r.stdout); len(id) != 36 || strings.Count(id, "-") != 4 {
		t.Errorf("container id %q", id)
	}
	if _, err := os.Stat(filepath.Join(udir, "containers", "web")); err != nil {
		t.Errorf("state not under UDOCKER_DIR: %v", err)
	}
	r = h.mustRun(1, "udocker", env, "create", "--name=web", "img:2")
	if !strings.Contains(r.stderr, "Error: container name already exists") {
		t.Errorf("stderr %q", r.stderr)
	}
	if r = h.mustRun(0, "udocker", env, "inspect", "web"); r.stdout != `{"image":"img:1"}`+"\n" {
		t.Errorf("inspect %q", r.stdout)
	}
	h.mustRun(0, "udocker", env, "setup", "--execmode=P2", "--nvidia", "web")
	if rec := h.last(); rec.Verb != "setup" || rec.Image != "img:1" || !slices.Equal(rec.Flags, []string{"--nvidia"}) {
		t.Errorf("setup record %+v", rec)
	}
	h.mustRun(0, "udocker", env, "rm", "web")
	h.mustRun(1, "udocker", env, "rm", "web")
	h.mustRun(0, "udocker", env, "rm", "-f", "web")
	h.mustRun(1, "udocker", env, "inspect", "web")
	// --repo replaces UDOCKER_DIR, as in udocker.
	h.mustRun(0, "udocker", env, "--repo="+filepath.Join(h.dir, "repo"), "create", "--name=web", "img:1")
	h.mustRun(0, "udocker", nil, "--repo="+filepath.Join(h.dir, "repo"), "inspect", "web")
	h.mustRun(1, "udocker", env, "inspect", "web")
}

// TestWorkdirThroughBind: the container workdir is entered via the most
// specific bind, falls back to an existing host dir, then to "/".
func TestWorkdirThroughBind(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	outer := filepath.Join(h.dir, "outer")
	inner := filepath.Join(h.dir, "inner")
	for _, d := range []string{outer + "/x/y", inner + "/y"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pwd := []string{"sh", "-c", "pwd -P"}
	real := func(p string) string {
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.Fatal(err)
		}
		return r + "\n"
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bind", outer + ":/data", "--pwd", "/data/x/y"}, real(outer + "/x/y")},
		{[]string{"-B", outer + ":/data:ro", "--bind=" + inner + ":/data/x", "--cwd=/data/x/y"}, real(inner + "/y")},
		{[]string{"--bind", outer + ":/data", "--pwd", "/data"}, real(outer)},
		{[]string{"--pwd", outer}, real(outer)},
		{[]string{"--pwd", "/no/such/dir"}, "/\n"},
		{nil, "/\n"},
	}
	for _, c := range cases {
		args := append(append(append([]string{"exec"}, safe...), c.args...), append([]string{img}, pwd...)...)
		if r := h.mustRun(0, "apptainer", nil, args...); r.stdout != c.want {
			t.Errorf("%q: ran in %q, want %q", c.args, r.stdout, c.want)
		}
	}
	h.mustRun(0, "udocker", nil, "create", "--name=c", "img:1")
	r := h.mustRun(0, "udocker", nil, append([]string{"run", "-v", outer + ":/data", "-w", "/data/x"}, append([]string{"c"}, pwd...)...)...)
	if r.stdout != real(outer+"/x") {
		t.Errorf("udocker ran in %q", r.stdout)
	}
	rec := h.last()
	if rec.Workdir != "/data/x" || !slices.Equal(rec.Binds, []string{outer + ":/data"}) {
		t.Errorf("record %+v", rec)
	}
}

// TestSignalReachesCommand: the double execs in place, so SIGTERM to its
// process group kills the command itself, with the double's pid.
func TestSignalReachesCommand(t *testing.T) {
	h := newHarness(t)
	img := h.image()
	cmd := h.command("apptainer", nil, appExec(img, "sleep", "30")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	waitForExec(t, pid, "sleep")
	start := time.Now()
	if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("wait: %v, status %v; want death by SIGTERM", err, cmd.ProcessState)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to die", d)
	}
	if rec := h.last(); rec.PID != pid {
		t.Errorf("record pid %d, process %d", rec.PID, pid)
	}
}

// waitForExec polls until pid runs comm, so the signal is not caught by
// the double before it has replaced itself.
func waitForExec(t *testing.T, pid int, comm string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(b)) == comm {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	t.Fatalf("pid %d never became %s", pid, comm)
}

// TestConcurrentRecords: many processes appending long lines at once
// must yield exactly one intact line each.
func TestConcurrentRecords(t *testing.T) {
	h := newHarness(t)
	const n = 32
	big := strings.Repeat("x", 32<<10)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			cmd := h.command("udocker", nil, "pull", fmt.Sprintf("img%d:%s", i, big))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("%v: %s", err, out)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	recs := h.records()
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Image] = true
	}
	if len(recs) != n || len(seen) != n {
		t.Errorf("%d records, %d distinct images; want %d", len(recs), len(seen), n)
	}
}

func TestHostDir(t *testing.T) {
	mounts := []mount{{"/h/root", "/"}, {"/h/a", "/a"}, {"/h/ab", "/a/b"}}
	for wd, want := range map[string]string{
		"/a/b/c": "/h/ab/c",
		"/a/bc":  "/h/a/bc",
		"/a":     "/h/a",
		"/z":     "/h/root/z",
		"/a/../": "/h/root",
	} {
		if got := hostDir(wd, mounts); got != want {
			t.Errorf("hostDir(%q) = %q, want %q", wd, got, want)
		}
	}
}
