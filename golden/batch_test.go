package golden

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/corpus"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// Batch outputs are checked by the real consumers that run here: bash
// parses them (bash -n) and Debian's shellcheck finds nothing at warning
// level, for every golden and every corpus output.

// requireShellcheck returns shellcheck's path; without it the test skips
// naming make e2e-deps, or fails in CI.
func requireShellcheck(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("shellcheck not found (CI=true): make e2e-deps installs it")
		}
		t.Skip("shellcheck not found; run `make e2e-deps`")
	}
	return p
}

// shellScripts are the files of a batch output that bash runs.
var shellScripts = []string{batch.Launcher, batch.Sbatch}

// checkScripts runs bash -n on each script and shellcheck on paths (not
// on parseOnly); it returns one message per finding.
func checkScripts(t *testing.T, shellcheck string, paths, parseOnly []string) []string {
	t.Helper()
	var problems []string
	for _, p := range append(paths, parseOnly...) {
		if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
			problems = append(problems, fmt.Sprintf("bash -n %s: %v\n%s", p, err, out))
		}
	}
	// shellcheck takes about half a second per launcher: one process per
	// CPU, each on its share of the files.
	var mu sync.Mutex
	var wg sync.WaitGroup
	n := runtime.NumCPU()
	for w := range n {
		wg.Go(func() {
			for chunk := range slices.Chunk(paths, 20) {
				if slices.Index(paths, chunk[0])/20%n != w {
					continue
				}
				args := append([]string{"-S", "warning", "-s", "bash", "-f", "gcc"}, chunk...)
				out, err := exec.Command(shellcheck, args...).CombinedOutput()
				if err == nil {
					continue
				}
				mu.Lock()
				if len(out) == 0 {
					problems = append(problems, "shellcheck: "+err.Error())
				}
				problems = append(problems, strings.Split(strings.TrimSpace(string(out)), "\n")...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return problems
}

func TestBatchGoldensShellcheck(t *testing.T) {
	sc := requireShellcheck(t)
	root := repoRoot(t)
	var paths []string
	dirs, _ := filepath.Glob(filepath.Join(root, "golden", "*", "batch*"))
	for _, d := range dirs {
		for _, name := range shellScripts {
			if p := filepath.Join(d, name); fileExists(p) {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) == 0 {
		t.Fatal("no batch goldens found")
	}
	for _, p := range checkScripts(t, sc, paths, nil) {
		t.Error(p)
	}
	t.Logf("%d scripts: bash -n and shellcheck -S warning clean", len(paths))
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// corpusBatchRuns are the ways every corpus input is converted: Slurm
// with any runtime, and udocker under HTCondor (its other code paths).
// The launchers differ only in their defaults, so shellcheck reads the
// first run's and bash -n all.
var corpusBatchRuns = []site.Batch{
	{Scheduler: "slurm", Runtime: "auto", Walltime: "01:00:00", MinCPUs: 1, MinMemory: "1g", CVMFSUnpacked: "/cvmfs/unpacked.cern.ch"},
	{Scheduler: "htcondor", Runtime: "udocker", Walltime: "24:00:00", MinCPUs: 1, MinMemory: "2g"},
}

// TestCorpusBatch converts every corpus input the loader accepts. A
// project the batch target refuses (a path the runtimes cannot mount, a
// NUL byte) must be refused with positioned BAT0xx errors;
// every output must pass bash -n and shellcheck.
func TestCorpusBatch(t *testing.T) {
	sc := requireShellcheck(t)
	dir := t.TempDir()
	var paths, parseOnly []string
	converted, refused := 0, map[string]int{}
	for i, files := range corpus.Inputs(t) {
		g, ds := translate.Load(context.Background(), translate.Options{Files: files, Profiles: []string{"*"}})
		if g == nil || ds.HasErrors() {
			continue // rejected by the loader: TestCorpus checks those
		}
		for j, sb := range corpusBatchRuns {
			out, eds := batch.Emit(g, batch.Options{Site: sb, ProjectDir: "../project"})
			if eds.HasErrors() {
				for _, d := range eds {
					if d.Severity == diag.Error {
						if !strings.HasPrefix(d.Code, "BAT0") || d.Pos.File == "" || d.Path == "" {
							t.Errorf("%s: an error without code, position or key path: %+v", corpus.Name(files), d)
						}
						refused[d.Code]++
					}
				}
				continue
			}
			for _, d := range eds {
				if d.Code == "" || d.Path == "" {
					t.Errorf("%s: a warning without code or key path: %+v", corpus.Name(files), d)
				}
			}
			converted++
			written := writeScripts(t, filepath.Join(dir, fmt.Sprintf("%d-%d", i, j)), out)
			if j == 0 {
				paths = append(paths, written...)
			} else {
				parseOnly = append(parseOnly, written...)
			}
		}
	}
	problems := checkScripts(t, sc, paths, parseOnly)
	for _, p := range problems {
		t.Error(p)
	}
	fmt.Fprintf(os.Stderr, "batch corpus: %d outputs converted (%d runtime/scheduler variants), refusals by code: %v\n", converted, len(corpusBatchRuns), refused)
	fmt.Fprintf(os.Stderr, "batch corpus: %d scripts through bash -n, %d of them through shellcheck -S warning: %d findings\n", len(paths)+len(parseOnly), len(paths), len(problems))
}

// writeScripts writes a batch output's shell scripts and returns their paths.
func writeScripts(t *testing.T, dir string, files []targets.File) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !slices.Contains(shellScripts, f.Path) {
			continue
		}
		p := filepath.Join(dir, f.Path)
		if err := os.WriteFile(p, f.Data, 0o755); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}
