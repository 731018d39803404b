package batch_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

var slurmSite = site.Batch{Scheduler: "slurm", Runtime: "auto", Walltime: "02:00:00", MinCPUs: 1, MinMemory: "1g", CVMFSUnpacked: "/cvmfs/unpacked.cern.ch"}

func emit(t *testing.T, sb site.Batch, svcs ...*translate.Service) (map[string]string, diag.Diagnostics) {
	t.Helper()
	g := &translate.Graph{Name: "p", Files: []string{"compose.yaml"}, Services: svcs}
	files, ds := batch.Emit(g, batch.Options{Site: sb, ProjectDir: "../p"})
	return byPath(files), ds
}

func byPath(files []targets.File) map[string]string {
	m := map[string]string{}
	for _, f := range files {
		m[f.Path] = string(f.Data)
	}
	return m
}

func str(s string) *string { return &s }

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":            "''",
		"abc-1.2_x/y": "abc-1.2_x/y",
		"a b":         "'a b'",
		"it's":        `'it'\''s'`,
		"~/x":         "'~/x'",
		"x=1":         "'x=1'",
		"$HOME":       "'$HOME'",
		"-n":          "-n",
		"\n":          "'\n'",
		"é":           "'é'",
	} {
		if got := batch.Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestCommandComposition: entrypoint and command compose as docker does.
func TestCommandComposition(t *testing.T) {
	for _, c := range []struct {
		name    string
		ep, cmd []string
		want    []string
	}{
		{"image-defaults", nil, nil, []string{"entrypoint_mode run"}},
		{"command-only", nil, []string{"echo", "a b"}, []string{"entrypoint_mode run", "args echo 'a b'"}},
		{"entrypoint-drops-cmd", []string{"/bin/sh", "-c"}, nil, []string{"entrypoint_mode exec", "args /bin/sh -c"}},
		{"both", []string{"tini", "--"}, []string{"run"}, []string{"entrypoint_mode exec", "args tini -- run"}},
		{"cleared-entrypoint", []string{}, []string{"ls"}, []string{"entrypoint_mode exec", "args ls"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, ds := emit(t, slurmSite, &translate.Service{Name: "s", Image: "busybox", Entrypoint: c.ep, Command: c.cmd, WorkingDir: "/"})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			for _, w := range c.want {
				if !strings.Contains(out["run.sh"], "\n    "+w+"\n") {
					t.Errorf("run.sh lacks %q", w)
				}
			}
		})
	}
}

func codes(ds diag.Diagnostics) string {
	var c []string
	for _, d := range ds {
		c = append(c, d.Severity.String()+":"+d.Code)
	}
	return strings.Join(c, " ")
}

// TestBuildOnly: a service with build: and no image: runs the image
// compose would tag, <project>-<service>, with a warning (it used to be
// refused with BAT001).
func TestBuildOnly(t *testing.T) {
	out, ds := emit(t, slurmSite, &translate.Service{Name: "s", Build: &translate.Build{Context: "./app"}, WorkingDir: "/"})
	if ds.HasErrors() || !strings.Contains(codes(ds), "warning:BAT128") {
		t.Fatalf("got %s, want warning BAT128 and no error", codes(ds))
	}
	if !strings.Contains(out["run.sh"], "image p-s ") || !strings.Contains(out["run.sh"], "pull p-s ") {
		t.Errorf("run.sh does not run p-s:\n%s", out["run.sh"])
	}
}

// TestBuildOnlyPrefix: under --image-prefix the job runs
// <prefix>/<project>-<service>, and BAT128 names it at the build: key.
func TestBuildOnlyPrefix(t *testing.T) {
	at := diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 3, Col: 5}, Path: "services.s.build"}
	g := &translate.Graph{Name: "p", Files: []string{"compose.yaml"}, Services: []*translate.Service{
		{Name: "s", Build: &translate.Build{Context: "./app"}, BuildSrc: at, WorkingDir: "/"}}}
	files, ds := batch.Emit(g, batch.Options{Site: slurmSite, ProjectDir: "../p", ImagePrefix: "registry.example.org/ci"})
	run := byPath(files)["run.sh"]
	if !strings.Contains(run, "image registry.example.org/ci/p-s ") {
		t.Errorf("run.sh does not run registry.example.org/ci/p-s:\n%s", run)
	}
	for _, d := range ds {
		if d.Code == batch.CodeBuilt && (d.Pos != at.Pos || d.Path != at.Path || !strings.Contains(d.Message, `"registry.example.org/ci/p-s"`)) {
			t.Errorf("BAT128 at %+v %s: %s; want %+v naming the prefixed image", d.Pos, d.Path, d.Message, at)
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		svc  *translate.Service
		code string
	}{
		{"nul-in-env", &translate.Service{Name: "s", Image: "i", WorkingDir: "/", Env: []translate.EnvVar{{Name: "A", Value: str("a\x00b")}}}, "BAT002"},
		{"nul-in-command", &translate.Service{Name: "s", Image: "i", WorkingDir: "/", Command: []string{"a\x00"}}, "BAT002"},
		{"colon-in-target", &translate.Service{Name: "s", Image: "i", WorkingDir: "/", Mounts: []translate.Mount{{Kind: translate.MountVolume, Source: "v", Target: "/a:b"}}}, "BAT003"},
		{"nothing-to-run", &translate.Service{Name: "s", Image: "i", WorkingDir: "/", Entrypoint: []string{}, Command: []string{}}, "BAT004"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, ds := emit(t, slurmSite, c.svc)
			if !strings.Contains(codes(ds), "error:"+c.code) || out["run.sh"] != "" {
				t.Errorf("got %s and %d files, want error %s and no files", codes(ds), len(out), c.code)
			}
		})
	}
}

// TestSecretFromEnvironment: the value is read by the job, never written.
func TestSecretFromEnvironment(t *testing.T) {
	g := &translate.Graph{Name: "p", Services: []*translate.Service{{Name: "s", Image: "i", WorkingDir: "/",
		Mounts: []translate.Mount{{Kind: translate.MountSecret, Source: "tok", Target: "/run/secrets/tok", ReadOnly: true}}}},
		Secrets: []*translate.Secret{{Name: "tok", EnvVar: "API_TOKEN"}}}
	files, ds := batch.Emit(g, batch.Options{Site: slurmSite})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if !strings.Contains(byPath(files)["run.sh"], "secret_from_env API_TOKEN /run/secrets/tok\n") {
		t.Error("run.sh does not read the secret from API_TOKEN at run time")
	}
}

// TestRequest: the job asks for the services' needs summed, at least the
// site's minimum.
func TestRequest(t *testing.T) {
	gpu := translate.Resources{CPULimit: 2, MemLimit: 3 << 30, GPUs: []translate.GPU{{Count: 2}}}
	out, _ := emit(t, slurmSite,
		&translate.Service{Name: "a", Image: "i", WorkingDir: "/", Resources: gpu},
		&translate.Service{Name: "b", Image: "i", WorkingDir: "/", Resources: translate.Resources{CPUReserve: 0.5, MemReserve: 512 << 20}})
	for _, want := range []string{"--cpus-per-task=3\n", "--mem=3584M\n", "--gres=gpu:2\n", "--time=02:00:00\n", "--signal=B:TERM@50\n"} {
		if !strings.Contains(out["job.sbatch"], "#SBATCH "+want) {
			t.Errorf("job.sbatch lacks %q:\n%s", want, out["job.sbatch"])
		}
	}
	out, _ = emit(t, slurmSite, &translate.Service{Name: "a", Image: "i", WorkingDir: "/"})
	if !strings.Contains(out["job.sbatch"], "--cpus-per-task=1\n") || !strings.Contains(out["job.sbatch"], "--mem=1024M\n") {
		t.Errorf("the site's minimum is not applied:\n%s", out["job.sbatch"])
	}
}

// TestWrapperSyntax checks the HTCondor submit file and the DIRAC JDL
// line by line (neither tool runs here).
func TestWrapperSyntax(t *testing.T) {
	svc := &translate.Service{Name: "web", Image: "nginx", WorkingDir: "/", Resources: translate.Resources{GPUs: []translate.GPU{{Count: 1}}},
		Ports: []translate.Port{{Target: 80, Published: "8080", Protocol: "tcp"}}}
	sb := slurmSite
	sb.Scheduler, sb.Requirements, sb.Account = "htcondor", `HAS_SINGULARITY =?= True`, "group_x"
	out, ds := emit(t, sb, svc)
	if !strings.Contains(codes(ds), "warning:BAT123") {
		t.Errorf("no BAT123 for a published port on HTCondor: %s", codes(ds))
	}
	submit := regexp.MustCompile(`^(#.*|[a-z_]+ += \S.*|queue)$`)
	lines := strings.Split(strings.TrimSuffix(out["job.sub"], "\n"), "\n")
	for _, l := range lines {
		if !submit.MatchString(l) {
			t.Errorf("job.sub: %q is not a submit command", l)
		}
	}
	for _, want := range []string{"universe                 = vanilla", "request_gpus             = 1", "requirements             = HAS_SINGULARITY =?= True", "accounting_group         = group_x", `environment              = "TRANSSHIP_PROJECT_DIR=. TRANSSHIP_JOB_ID=$(Cluster).$(Process)"`} {
		if !strings.Contains(out["job.sub"], want+"\n") {
			t.Errorf("job.sub lacks %q", want)
		}
	}
	if lines[len(lines)-1] != "queue" {
		t.Error("job.sub does not end with queue")
	}
	sb.Scheduler, sb.DiracTags = "dirac", []string{"MultiProcessor"}
	out, _ = emit(t, sb, svc)
	jdl := regexp.MustCompile(`^(//.*|[A-Za-z]+ = ("([^"\\]|\\.)*"|[0-9]+|\{("([^"\\]|\\.)*"(, )?)*\});)$`)
	for _, l := range strings.Split(strings.TrimSuffix(out["job.jdl"], "\n"), "\n") {
		if !jdl.MatchString(l) {
			t.Errorf("job.jdl: %q is not a JDL attribute", l)
		}
	}
	if !strings.Contains(out["job.jdl"], `Tags = {"GPU", "MultiProcessor"};`) {
		t.Errorf("job.jdl lacks the GPU tag:\n%s", out["job.jdl"])
	}
}

// FuzzEmit: any command, environment value or path either converts to a
// script bash can parse, or is refused with a BAT0xx error.
func FuzzEmit(f *testing.F) {
	f.Add("echo", "a'b\"c$d`e`", "data", "/srv")
	f.Add("-n", "x\ny", "a,b", "/a:b")
	f.Add("", "\xff\xfe", "~/x", "rel")
	f.Add("$(id)", "=", "..", "/")
	bash, _ := exec.LookPath("bash")
	f.Fuzz(func(t *testing.T, cmd, val, src, dst string) {
		svc := &translate.Service{Name: "s", Image: "busybox", Command: []string{cmd, val}, WorkingDir: dst,
			Env:    []translate.EnvVar{{Name: "V", Value: &val}},
			Mounts: []translate.Mount{{Kind: translate.MountBind, Source: src, Target: dst}},
			Health: &translate.Health{Shell: true, Test: []string{val}}}
		g := &translate.Graph{Name: "p", Services: []*translate.Service{svc}}
		files, ds := batch.Emit(g, batch.Options{Site: slurmSite})
		if ds.HasErrors() {
			for _, d := range ds {
				if d.Severity == diag.Error && !strings.HasPrefix(d.Code, "BAT0") {
					t.Fatalf("unexpected error %v", d)
				}
			}
			return
		}
		if bash == "" {
			return
		}
		p := filepath.Join(t.TempDir(), "run.sh")
		if err := os.WriteFile(p, []byte(byPath(files)["run.sh"]), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bash, "-n", p).CombinedOutput(); err != nil {
			t.Fatalf("bash -n: %v\n%s", err, out)
		}
	})
}

// FuzzQuote: bash reads Quote(s) back as exactly s.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "'", "\\'", "$(x)", "\n", "\xff", "-e", "~", "a b\tc"} {
		f.Add(s)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		f.Skip("bash not found")
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			return // no argument can hold a NUL; Emit refuses them
		}
		out, err := exec.Command("bash", "-c", "printf %s "+batch.Quote(s)).Output()
		if err != nil || string(out) != s {
			t.Fatalf("Quote(%q) = %s reads back as %q (%v)", s, batch.Quote(s), out, err)
		}
	})
}
