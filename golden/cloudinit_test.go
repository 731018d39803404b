package golden

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/corpus"
	"github.com/transship/transship/targets/cloudinit"
	"github.com/transship/transship/translate"
)

// cloud-init user-data is checked by the real consumer: Debian's
// cloud-init, `cloud-init schema -c` on every golden, and its own
// validator (the same module, one interpreter for all files) on the
// corpus, where a process per file would take minutes.

// requireCloudInit returns the cloud-init executable; without it the test
// skips naming make e2e-deps, or fails in CI.
func requireCloudInit(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("cloud-init")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cloud-init not found (CI=true): make e2e-deps installs it")
		}
		t.Skip("cloud-init not found; run `make e2e-deps`")
	}
	return p
}

func TestCloudInitGoldensSchema(t *testing.T) {
	ci := requireCloudInit(t)
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "golden", "*", "cloud-init*", "user-data.yaml"))
	if len(files) == 0 {
		t.Fatal("no cloud-init goldens found")
	}
	for _, f := range files {
		if out, err := exec.Command(ci, "schema", "-c", f).CombinedOutput(); err != nil {
			t.Errorf("cloud-init schema -c %s: %v\n%s", f, err, out)
		}
	}
	t.Logf("%d user-data files valid", len(files))
}

// validator runs cloud-init's schema validation on each path given on
// stdin and prints "ok PATH" or "invalid PATH: MESSAGE" per line.
const validator = `
import sys
from cloudinit.config.schema import validate_cloudconfig_file, get_schema, SchemaValidationError
schema = get_schema()
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    try:
        validate_cloudconfig_file(path, schema)
        print("ok", path)
    except SchemaValidationError as e:
        print("invalid", path + ":", str(e).replace("\n", " "))
`

// cloudInitPython is the interpreter cloud-init's own script runs with.
func cloudInitPython(t *testing.T, ci string) string {
	data, err := os.ReadFile(ci)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	py := strings.TrimPrefix(first, "#!")
	if py == first || strings.ContainsAny(py, " \t") {
		t.Fatalf("%s does not start with a python shebang: %q", ci, first)
	}
	return py
}

func TestCorpusCloudInit(t *testing.T) {
	ci := requireCloudInit(t)
	dir := t.TempDir()
	var paths []string
	refused := map[string]int{}
	largest, largestName := 0, ""
	for i, files := range corpus.Inputs(t) {
		g, ds := translate.Load(context.Background(), translate.Options{Files: files, Profiles: []string{"*"}, Normalized: true})
		if g == nil || ds.HasErrors() {
			continue
		}
		o := cloudinit.Options{Compose: g.Compose, Files: translate.ReadProjectFiles(g, cloudinit.FileNames(g), translate.MaxEmbeddedFile), Secrets: "embed",
			Contexts: translate.ReadProjectDirs(g, cloudinit.BuildContexts(g, ""), cloudinit.MaxUserData)}
		out, eds := cloudinit.Emit(g, o)
		if eds.HasErrors() {
			for _, d := range eds {
				if d.Severity == diag.Error {
					if !strings.HasPrefix(d.Code, "CI0") || d.Path == "" && d.Pos.File == "" {
						t.Errorf("%s: an error without code or place: %+v", corpus.Name(files), d)
					}
					refused[d.Code]++
				}
			}
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("%d.yaml", i))
		for _, f := range out {
			if f.Path == "user-data.yaml" {
				if len(f.Data) > largest {
					largest, largestName = len(f.Data), corpus.Name(files)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
		}
	}
	cmd := exec.Command(cloudInitPython(t, ci), "-c", validator)
	cmd.Stdin = strings.NewReader(strings.Join(paths, "\n"))
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cloud-init's validator: %v\n%s", err, res)
	}
	valid := 0
	for _, line := range strings.Split(strings.TrimSpace(string(res)), "\n") {
		switch {
		case strings.HasPrefix(line, "ok "):
			valid++
		case strings.HasPrefix(line, "invalid "):
			t.Error(line)
		}
	}
	if valid != len(paths) && !t.Failed() {
		t.Errorf("%d outputs, %d reported valid:\n%s", len(paths), valid, res)
	}
	fmt.Fprintf(os.Stderr, "cloud-init corpus: %d of %d outputs valid for cloud-init's schema, refusals by code: %v\n", valid, len(paths), refused)
	fmt.Fprintf(os.Stderr, "cloud-init corpus: largest user-data %d bytes (%s), the limit is %d\n", largest, largestName, cloudinit.MaxUserData)
}
