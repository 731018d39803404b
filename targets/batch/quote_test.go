package batch_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transship/transship/internal/runtimedouble"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// The quoting property: whatever bytes a compose file puts in a command,
// an environment value or a path, the runtime receives exactly those
// bytes. A case is one random value: a command word, an environment
// value, a working directory, a bind source or target. Services carry
// about 14 each, 100 services make a project, and each project's run.sh
// runs under real bash with the recording runtime double on PATH; the test
// compares what the double was asked with the Graph, byte for byte.

const servicesPerProject = 100

func TestQuotingProperty(t *testing.T) {
	requireBash(t)
	// A service costs a few forks, milliseconds each on a VM: CI runs
	// 10,000 cases (about 7 projects), a developer's run a fifth.
	cases := 2000
	if os.Getenv("CI") == "true" {
		cases = 10000
	}
	if s := os.Getenv("TRANSSHIP_QUOTE_CASES"); s != "" {
		cases, _ = strconv.Atoi(s)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TRANSSHIP_QUOTE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (TRANSSHIP_QUOTE_SEED reruns it)", seed)
	dbl := runtimedouble.Dir(t)
	var checked atomic.Int64
	runtimes := []string{"apptainer", "singularity", "udocker"}
	t.Run("projects", func(t *testing.T) {
		// Projects run two at a time; each draws its own cases, so the
		// total is only known as they finish: enough are started.
		for i := 0; i*servicesPerProject*10 < cases; i++ {
			rt := runtimes[i%len(runtimes)]
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			t.Run(fmt.Sprintf("%d-%s", i, rt), func(t *testing.T) {
				t.Parallel()
				checked.Add(int64(runProperty(t, r, rt, dbl)))
			})
		}
	})
	if t.Failed() {
		return
	}
	if n := checked.Load(); n < int64(cases) {
		t.Fatalf("only %d of %d cases were checked", n, cases)
	}
	t.Logf("%d cases, 0 mismatches", checked.Load())
}

// requireBash skips without bash, except in CI where it must be there.
func requireBash(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bash not found (CI=true)")
		}
		t.Skip("bash not found")
	}
}

// propCase is one service's random values.
type propCase struct {
	name    string
	argv    []string // entrypoint: /bin/true, the case name, random words
	env     []translate.EnvVar
	workdir string
	bindSrc string // relative to the project directory
	bindDst string
}

func runProperty(t *testing.T, r *rand.Rand, rt string, dbl string) int {
	dir := t.TempDir()
	cases := make([]propCase, servicesPerProject)
	g := &translate.Graph{Name: "prop", Dir: dir}
	for i := range cases {
		c := randomCase(r, i)
		cases[i] = c
		g.Services = append(g.Services, &translate.Service{
			Name: c.name, Image: "busybox:1.37", Entrypoint: c.argv, Command: []string{},
			WorkingDir: c.workdir, Env: c.env,
			Mounts: []translate.Mount{{Kind: translate.MountBind, Source: c.bindSrc, Target: c.bindDst, SourceKind: "dir"}},
		})
	}
	files, ds := batch.Emit(g, batch.Options{Site: site.Batch{Scheduler: "none", Runtime: rt, Walltime: "1:00:00"}, ProjectDir: ".."})
	if ds.HasErrors() {
		t.Fatalf("emit: %v", ds)
	}
	out := filepath.Join(dir, "out")
	script := writeFiles(t, out, files)
	log := filepath.Join(dir, "double.log")
	res := runScript(t, script, dbl, log, dir)
	if res.code != 0 {
		t.Fatalf("run.sh exited %d\n%s", res.code, tail(res.stderr))
	}
	checkRecords(t, rt, dir, cases, runtimedouble.Read(t, log))
	n := 0
	for _, c := range cases {
		n += len(c.argv) - 2 + len(c.env) + 3
	}
	return n
}

// randomCase draws a service whose values are full of what shells and
// runtimes treat specially.
func randomCase(r *rand.Rand, i int) propCase {
	c := propCase{name: "s" + strconv.Itoa(i)}
	c.argv = []string{"/bin/true", "case-" + c.name}
	for range r.IntN(13) {
		c.argv = append(c.argv, randomString(r, true))
	}
	for j := range r.IntN(11) {
		v := randomString(r, true)
		c.env = append(c.env, translate.EnvVar{Name: fmt.Sprintf("V%d_%s", j, identifier(r)), Value: &v})
	}
	c.workdir = "/w/" + randomPathPart(r)
	c.bindSrc = "d/" + randomPathPart(r)
	c.bindDst = "/m/" + randomPathPart(r)
	return c
}

// Dangerous bytes for a shell, a runtime's flag parser or an env file.
const nasty = "'\"$`\\\n\t ,=;&|<>(){}[]*?~!#%-:@^"

// randomString is 0-15 bytes: bytes shells treat specially, printable
// ASCII, and any byte but NUL (non-UTF-8 included) when anyByte is set.
func randomString(r *rand.Rand, anyByte bool) string {
	n := r.IntN(16)
	var b []byte
	if r.IntN(8) == 0 {
		b = append(b, '-') // looks like a flag
	}
	for range n {
		switch k := r.IntN(10); {
		case k < 5:
			b = append(b, nasty[r.IntN(len(nasty))])
		case k < 8 || !anyByte:
			b = append(b, byte(' '+r.IntN(95)))
		default:
			b = append(b, byte(1+r.IntN(255)))
		}
	}
	return string(b)
}

// randomPathPart is a non-empty file name: no '/', NUL, ',' or ':' (the
// runtimes' separators, refused by the target; TestMountSeparators), not
// "." or "..", valid UTF-8 (the double records binds as JSON strings).
func randomPathPart(r *rand.Rand) string {
	for {
		s := strings.ToValidUTF8(randomString(r, false), "")
		s = strings.Map(func(c rune) rune {
			if c == '/' || c == ',' || c == ':' {
				return '_'
			}
			return c
		}, s)
		if s != "" && s != "." && s != ".." {
			return s
		}
	}
}

func identifier(r *rand.Rand) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
	b := make([]byte, 1+r.IntN(6))
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}

// checkRecords compares each service's run with its case.
func checkRecords(t *testing.T, rt, dir string, cases []propCase, recs []runtimedouble.Record) {
	t.Helper()
	runs := map[string]runtimedouble.Record{}
	for _, rec := range recs {
		if len(rec.Command) > 1 && (rec.Verb == "run" || rec.Verb == "exec") {
			runs[string(rec.Command[1])] = rec
		}
	}
	project, _ := filepath.EvalSymlinks(dir)
	for _, c := range cases {
		rec, ok := runs["case-"+c.name]
		if !ok {
			t.Errorf("%s: the runtime was never asked to run it", c.name)
			continue
		}
		if got := strs(rec.Command); !slices.Equal(got, c.argv) {
			t.Errorf("%s: command\n got %q\nwant %q", c.name, got, c.argv)
		}
		var want []string
		for _, e := range c.env {
			want = append(want, e.Name+"="+*e.Value)
		}
		if got := strs(rec.Env); !slices.Equal(got, want) {
			t.Errorf("%s: environment\n got %q\nwant %q", c.name, got, want)
		}
		// The options are what comes before the command: a random command
		// word "-w" is no working directory (seed 1796596361223131078
		// under CI=true drew one and failed).
		args := strs(rec.Argv)
		if n := len(args) - len(rec.Command); n >= 0 && slices.Equal(args[n:], strs(rec.Command)) {
			args = args[:n]
		} else {
			t.Errorf("%s: the command %q is not the end of the runtime's argv %q", c.name, strs(rec.Command), args)
		}
		workdirFlag, bindFlag := "--pwd", "--bind"
		if rt == "udocker" {
			workdirFlag, bindFlag = "-w", "-v"
		}
		if got := flagValues(args, workdirFlag); !slices.Equal(got, []string{c.workdir}) {
			t.Errorf("%s: working directory %q, want %q", c.name, got, c.workdir)
		}
		wantBind := filepath.Join(project, c.bindSrc) + ":" + c.bindDst
		if got := flagValues(args, bindFlag); !slices.Contains(got, wantBind) {
			t.Errorf("%s: binds %q do not hold %q", c.name, got, wantBind)
		}
	}
}

func strs(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// flagValues are the values given to flag (as "flag value") in argv,
// the runtime's options without the command.
func flagValues(argv []string, flag string) []string {
	var out []string
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == flag {
			out = append(out, argv[i+1])
			i++
		}
	}
	return out
}

type result struct {
	code           int
	stdout, stderr string
}

// runScript runs run.sh under bash with the double first on PATH and a
// clean environment.
func runScript(t *testing.T, script, dbl, log, home string, extraEnv ...string) result {
	t.Helper()
	cmd := exec.Command("bash", script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append([]string{
		"PATH=" + dbl + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		"TMPDIR=" + home,
		runtimedouble.LogEnv + "=" + log,
		"TRANSSHIP_IMAGE_CACHE=" + filepath.Join(home, "cache"),
		"TRANSSHIP_CVMFS_UNPACKED=",
		"UDOCKER_DIR=" + filepath.Join(home, "udocker"),
	}, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func writeFiles(t *testing.T, out string, files []targets.File) string {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(out, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(out, batch.Launcher)
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}
