package batch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/standin/config"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// TestRealExamples runs every example that has a batch golden, as
// converted with --scheduler none, under the real Apptainer and udocker,
// with stand-in images (realrt_plan_test.go), each in a network namespace
// of its own. One line per run. A long-running example is stopped with
// SIGTERM once every service is up and its ports answer; an example with
// a service on a port below 1024 must fail the way BAT126 says.
func TestRealExamples(t *testing.T) {
	env := requireRealRuntimes(t)
	t.Parallel() // beside TestRealRuntimes and TestRealSlurm
	names := examplesWithBatchGolden(t)
	if only := os.Getenv("TRANSSHIP_EXAMPLES_ONLY"); only != "" {
		names = strings.Fields(only)
	}
	for _, rt := range runtimes() {
		t.Run(rt, func(t *testing.T) {
			// The runtimes run side by side: each run has namespaces of
			// its own, and reports what it left behind in them.
			t.Parallel()
			ws := env.workspace(t, rt)
			for _, name := range names {
				t.Run(name, func(t *testing.T) { ws.example(t, name) })
			}
		})
	}
}

// examplesWithBatchGolden: golden/NAME/batch exists.
func examplesWithBatchGolden(t *testing.T) []string {
	m, err := filepath.Glob(filepath.Join(repoRoot, "golden", "*", "batch"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no batch goldens: %v", err)
	}
	var names []string
	for _, d := range m {
		names = append(names, filepath.Base(filepath.Dir(d)))
	}
	return names
}

const repoRoot = "../.."

// exampleRun is one example's conversion and what the run should show.
type exampleRun struct {
	name  string
	g     *translate.Graph
	ds    diag.Diagnostics
	plan  *standinPlan
	proj  string
	out   string
	recs  map[string]config.Record
	ports map[string][]int
	// cancelled: scancel ended the job (TestRealSlurm), which makes it
	// CANCELLED whatever the launcher's exit status.
	cancelled bool
	sifs      map[string]string // image ref -> its SIF in the cache (Apptainer)
	// bindsTarball: where run.sh was told to put what read-write binds
	// wrote into the project (TRANSSHIP_BINDS_TARBALL), if it was.
	bindsTarball string
}

func (ws *realWorkspace) example(t *testing.T, name string) {
	x := ws.prepare(t, name, "none")
	long := x.long()
	// As a DIRAC job does (its JDL sets it, where a read-write bind
	// writes into the project): those entries in a tarball at the end.
	x.bindsTarball = filepath.Join(ws.dir, fmt.Sprintf("binds%d.tar.gz", ws.runs))
	ws.extra = []string{"TRANSSHIP_BINDS_TARBALL=" + x.bindsTarball}
	res := ws.execNetns(t, filepath.Join(x.out, "run.sh"), func(out string, netns string) bool {
		return long && x.up(out) && ws.portsAnswer(t, x, netns)
	})
	ws.extra = nil
	x.finish(t, ws, res, long)
}

// prepare converts examples/NAME (copied into the workspace) for the
// scheduler, and writes its stand-in images into a fresh image cache.
func (ws *realWorkspace) prepare(t *testing.T, name, sched string) *exampleRun {
	proj := filepath.Join(ws.dir, name)
	if _, err := os.Stat(proj); err != nil {
		if err := os.CopyFS(proj, os.DirFS(filepath.Join(repoRoot, "examples", name))); err != nil {
			t.Fatal(err)
		}
	}
	g, ds := translate.Load(context.Background(), translate.Options{Files: []string{filepath.Join(proj, "compose.yaml")}})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	files, eds := batch.Emit(g, batch.Options{
		Site:       site.Batch{Scheduler: sched, Runtime: ws.rt, Walltime: "00:10:00", MinCPUs: 1, MinMemory: "100m"},
		ProjectDir: "../" + name,
	})
	if eds.HasErrors() {
		t.Fatalf("emit: %v", eds)
	}
	ws.runs++
	x := &exampleRun{name: name, g: g, ds: eds, plan: planExample(g, ws.rt), proj: proj,
		out: filepath.Join(ws.dir, fmt.Sprintf("out%d", ws.runs)), ports: map[string][]int{}, sifs: map[string]string{}}
	writeFiles(t, x.out, files)
	ws.sub = fmt.Sprintf("%s-%d", name, ws.runs)
	os.MkdirAll(ws.imagesDir(), 0o755)
	if ws.rt == "udocker" {
		ws.freshUdocker(t)
	}
	for ref, im := range x.plan.images {
		if im.Config != nil {
			im.Program = ws.env.program
		}
		digest, err := im.Write(filepath.Join(ws.imagesDir(), batch.ImageFile(ref)+".tar"))
		if err != nil {
			t.Fatal(err)
		}
		if ws.rt == "apptainer" {
			ws.env.sifs.seed(t, x, ws.imagesDir(), ref, digest)
		}
	}
	for _, s := range g.Services {
		x.ports[s.Name] = ports(s)
	}
	ws.chown(t)
	ws.jobID = fmt.Sprintf("run%d", ws.runs)
	return x
}

// long: the job runs until stopped (no port below 1024 makes it fail, and
// a service nothing depends on runs on).
func (x *exampleRun) long() bool { return len(x.plan.low) == 0 && !x.endsByItself() }

// finish checks the run and reports it on one line.
func (x *exampleRun) finish(t *testing.T, ws *realWorkspace, res runResult, long bool) {
	ws.env.sifs.keep(t, x, ws.imagesDir())
	x.recs = records(t, res.out)
	x.check(t, ws, res, long)
	ws.checkNothingLeft(t)
	what := "ends"
	switch {
	case len(x.plan.low) > 0:
		what = "port<1024"
	case x.cancelled:
		what = "scancel"
	case long:
		what = "SIGTERM"
	}
	ws.report(t, what, res)
	if t.Failed() || os.Getenv("TRANSSHIP_RUNTIMES_DEBUG") != "" {
		t.Logf("output:\n%s", res.out)
	}
}

// endsByItself: every service nothing depends on ends by itself.
func (x *exampleRun) endsByItself() bool {
	for _, s := range x.g.Services {
		if !x.dependedOn(s.Name) && !oneShot(x.g, s) {
			return false
		}
	}
	return true
}

func (x *exampleRun) dependedOn(name string) bool {
	for _, s := range x.g.Services {
		for _, d := range s.DependsOn {
			if d.Service == name {
				return true
			}
		}
	}
	return false
}

// up: every service has started; every stand-in has reported and
// listens on its ports.
func (x *exampleRun) up(out string) bool {
	for _, s := range x.g.Services {
		if !strings.Contains(out, "transship: starting "+s.Name+"\n") {
			return false
		}
		if x.plan.real[s.Name] {
			continue
		}
		if oneShot(x.g, s) {
			continue
		}
		if !strings.Contains(out, s.Name+" | STANDIN ") {
			return false
		}
		for _, p := range x.ports[s.Name] {
			if !strings.Contains(out, fmt.Sprintf("%s | listening on port %d\n", s.Name, p)) {
				return false
			}
		}
	}
	return true
}

// portsAnswer: from inside the job's network namespace, every port of
// every service accepts a connection (busybox services get a few seconds).
func (ws *realWorkspace) portsAnswer(t *testing.T, x *exampleRun, netns string) bool {
	for _, s := range x.g.Services {
		for _, p := range x.ports[s.Name] {
			ok := false
			for i := 0; i < 20 && !ok; i++ {
				ok = nsProbe(netns, ws.env.program, p) == nil
				if !ok {
					time.Sleep(250 * time.Millisecond)
				}
			}
			if !ok {
				t.Errorf("%s: port %d does not answer on the job's node", s.Name, p)
			}
		}
	}
	return true
}

// records are the STANDIN lines of the log, by service: "NAME | STANDIN {json}".
func records(t *testing.T, out string) map[string]config.Record {
	recs := map[string]config.Record{}
	for _, l := range strings.Split(out, "\n") {
		svc, rest, ok := strings.Cut(l, " | STANDIN ")
		if !ok {
			continue
		}
		var r config.Record
		if err := json.Unmarshal([]byte(rest), &r); err != nil {
			t.Errorf("%s: bad STANDIN line: %v", svc, err)
			continue
		}
		if r.Service != svc {
			t.Errorf("service %s's output carries %s's record: prefix wrong", svc, r.Service)
		}
		recs[svc] = r
	}
	return recs
}

// freshUdocker gives the next run a udocker directory of its own, with
// the installed udockertools and an empty repository, so this example's
// stand-ins are loaded afresh: the examples' images for one ref differ.
// (A `udocker rmi` per image did the same, at a Python start-up each.)
func (ws *realWorkspace) freshUdocker(t *testing.T) {
	t.Helper()
	base := filepath.Join(ws.dir, "udocker")
	ents, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	ws.udir = "udocker-" + ws.sub
	args := []string{"-a"}
	for _, e := range ents {
		if n := e.Name(); n != "repos" && n != "layers" && n != "containers" {
			args = append(args, filepath.Join(base, n))
		}
	}
	dst := filepath.Join(ws.dir, ws.udir)
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("cp", append(args, dst)...).CombinedOutput(); err != nil {
		t.Fatalf("copying udocker's installation: %v: %s", err, b)
	}
}
