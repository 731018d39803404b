package batch_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/internal/standin"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// Real-runtime tests (make e2e-runtimes): generated launchers run under
// the real Apptainer and udocker that scripts/e2e-runtimes-deps.sh built,
// as an unprivileged user (realrt_env_test.go), with stand-in images
// handed over as archives in the image cache, as an air-gapped site would
// (internal/standin). No test double is involved.

// TestRealRuntimes runs testdata/real/two with each runtime: a good run,
// a failing client, and a SIGTERM to the launcher. One line per run.
func TestRealRuntimes(t *testing.T) {
	env := requireRealRuntimes(t)
	t.Parallel() // every run has namespaces of its own (execNetns)
	for _, rt := range runtimes() {
		t.Run(rt, func(t *testing.T) {
			t.Parallel()
			ws := env.workspace(t, rt)
			p := ws.emit(t, "two", rt, nil, nil)
			ws.archives(t, p)
			// As a DIRAC job does (its JDL sets it): the volumes in a
			// tarball at the end, for the output sandbox.
			tarball := filepath.Join(ws.dir, "volumes.tar.gz")
			ws.extra = []string{"TRANSSHIP_VOLUMES_TARBALL=" + tarball}
			res := ws.run(t, p)
			ws.extra = nil
			checkGoodRun(t, ws, p, res)
			checkTarball(t, tarball, ws.jobID+"/data/call.json")
			if rt == "udocker" {
				// The image is in udocker's repository now: without its
				// archive (and without a network) the next run uses it.
				removeArchives(t, ws)
			}
			res = ws.run(t, p)
			checkGoodRun(t, ws, p, res)
			if rt == "udocker" && strings.Contains(res.out, "pulling") {
				t.Errorf("udocker pulled an image already in its repository:\n%s", res.out)
			}

			bad := ws.emit(t, "two", rt, []string{"CLIENT_EXIT=3"}, nil)
			res = ws.run(t, bad)
			if res.code != 3 || !strings.Contains(res.out, "service client exited with status 3") {
				t.Errorf("failing client: exit %d, want 3 naming client\n%s", res.code, res.out)
			}
			ws.checkNothingLeft(t)
			ws.report(t, "failing", res)

			c := ws.emit(t, "two", rt, nil, []string{"cancel"})
			// TERM once sleeper has run a second: on a loaded machine a
			// fixed delay came before udocker had even started it.
			var seen time.Time
			ws.jobID = fmt.Sprintf("run%d", ws.runs)
			res = ws.execNetns(t, filepath.Join(c, "run.sh"), func(out, _ string) bool {
				if seen.IsZero() && strings.Contains(out, "transship: starting sleeper\n") {
					seen = time.Now()
				}
				return !seen.IsZero() && time.Since(seen) > time.Second
			})
			checkCancelled(t, ws, c, res)
		})
	}
}

// runResult is one run of a launcher.
type runResult struct {
	code  int
	out   string
	took  time.Duration // from the TERM when there was one
	total time.Duration // the whole run, when took is not
}

// emit loads testdata/real/NAME (copied once into the workspace) with the
// extra environment and profiles, and writes its batch files for rt into
// a fresh output directory.
func (ws *realWorkspace) emit(t *testing.T, name, rt string, env, profiles []string) string {
	t.Helper()
	proj := filepath.Join(ws.dir, name)
	if _, err := os.Stat(proj); err != nil {
		if err := os.CopyFS(proj, os.DirFS(filepath.Join("testdata", "real", name))); err != nil {
			t.Fatal(err)
		}
	}
	g, ds := translate.Load(context.Background(), translate.Options{
		Files: []string{filepath.Join(proj, "compose.yaml")}, Env: env, Profiles: profiles,
	})
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	files, ds := batch.Emit(g, batch.Options{
		Site:       site.Batch{Scheduler: "none", Runtime: rt, Walltime: "00:10:00", MinCPUs: 1, MinMemory: "100m"},
		ProjectDir: "../" + name,
	})
	if ds.HasErrors() {
		t.Fatalf("emit: %v", ds)
	}
	ws.runs++
	out := filepath.Join(ws.dir, fmt.Sprintf("out%d", ws.runs))
	writeFiles(t, out, files)
	for _, s := range g.Services {
		ws.images[s.Image] = true
	}
	ws.chown(t)
	return out
}

// archives writes a stand-in image archive for every image the emitted
// projects use, where run.sh looks for one.
func (ws *realWorkspace) archives(t *testing.T, out string) {
	t.Helper()
	for ref := range ws.images {
		path := filepath.Join(ws.imagesDir(), batch.ImageFile(ref)+".tar")
		if err := standin.WriteArchive(path, ref, ws.env.program, nil); err != nil {
			t.Fatal(err)
		}
	}
	ws.chown(t)
}

func removeArchives(t *testing.T, ws *realWorkspace) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(ws.imagesDir(), "*.tar"))
	for _, f := range m {
		os.Remove(f)
	}
}

// record reads what a stand-in wrote into the data volume of the last run.
func record(t *testing.T, ws *realWorkspace, name string) standinRecord {
	t.Helper()
	var r standinRecord
	p := filepath.Join(ws.volumes(), "data", name+".json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("the stand-in's record: %v", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// standinRecord is internal/standin/prog's Record.
type standinRecord struct {
	Args  []string          `json:"args"`
	Env   map[string]string `json:"env"`
	Cwd   string            `json:"cwd"`
	UID   int               `json:"uid"`
	Files map[string]string `json:"files"`
	Reply string            `json:"reply"`
}

// checkGoodRun: order and health wait, names, env byte-exact, secret,
// volume data after the job, exit 0.
func checkGoodRun(t *testing.T, ws *realWorkspace, out string, res runResult) {
	t.Helper()
	if res.code != 0 {
		if ws.rt == "udocker" {
			t.Logf("udocker images:\n%s", ws.exec(t, filepath.Join(ws.env.dir, "bin", "udocker"), "images").out)
		}
		t.Fatalf("exit %d, want 0\n%s", res.code, res.out)
	}
	checkLines(t, res.out,
		"transship: starting server",
		"transship: waiting for server to be healthy",
		"transship: server is healthy",
		"transship: starting client",
		"transship: client exited with status 0",
		"transship: stopping server",
	)
	// Every line a service prints, prefixed with its name.
	checkLines(t, res.out, "server | serving on port 18080", "server | got TERM, stopping")
	checkLines(t, res.out, "client | called server:18080: hello from /standin")
	c := record(t, ws, "call")
	const hostile = "it's \"quoted\" $HOME `id` dollar \\ back\nline two ünïcødé ✓"
	if got := c.Env["HOSTILE"]; got != hostile {
		t.Errorf("HOSTILE = %q, want %q", got, hostile)
	}
	if v, ok := c.Env["EMPTY"]; !ok || v != "" {
		t.Errorf("EMPTY = %q (set %v), want set and empty", v, ok)
	}
	if want := []string{"/standin", "call", "server:18080", "/data", "/run/secrets/token", "/etc/app.conf", "/in/hello.txt"}; strings.Join(c.Args, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("client argv %q, want %q", c.Args, want)
	}
	if c.Cwd != "/tmp" {
		t.Errorf("client cwd %q, want /tmp (working_dir)", c.Cwd)
	}
	for f, want := range map[string]string{"/run/secrets/token": "s3cr3t token\n", "/etc/app.conf": "setting = 1\n", "/in/hello.txt": "bound\n"} {
		if got := c.Files[f]; got != want {
			t.Errorf("%s = %q, want %q (secret, config, bind mount)", f, got, want)
		}
	}
	if c.Reply != "hello from /standin" {
		t.Errorf("client's call of server:18080 got %q", c.Reply)
	}
	if _, err := os.Stat(filepath.Join(ws.volumes(), "data", "serve.stopped")); err != nil {
		t.Errorf("server did not see its stop signal: %v", err)
	}
	ws.checkNothingLeft(t)
	ws.report(t, "good run", res)
}

// checkCancelled: TERM to the launcher stops every service within its
// grace period, and the job fails with 143.
func checkCancelled(t *testing.T, ws *realWorkspace, out string, res runResult) {
	t.Helper()
	if res.code != 143 {
		t.Errorf("cancelled job exit %d, want 143\n%s", res.code, res.out)
	}
	checkLines(t, res.out, "transship: starting sleeper", "transship: stopping sleeper", "transship: stopping server")
	if res.took > 2*10*time.Second {
		t.Errorf("stopping took %v, more than the services' grace periods", res.took)
	}
	ws.checkNothingLeft(t)
	if os.Getenv("TRANSSHIP_RUNTIMES_DEBUG") != "" {
		t.Log(res.out)
	}
	ws.report(t, "SIGTERM", res)
}

// checkTarball: the tarball holds the file want.
func checkTarball(t *testing.T, path, want string) {
	t.Helper()
	if names, err := tarNames(path); err != nil {
		t.Errorf("no volumes tarball: %v", err)
	} else if !slices.Contains(names, want) {
		t.Errorf("volumes tarball holds %q, not %s", names, want)
	}
}

// tarNames lists the .tar.gz at path, without a leading "./".
func tarNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return names, err
		}
		names = append(names, strings.TrimPrefix(h.Name, "./"))
	}
}
