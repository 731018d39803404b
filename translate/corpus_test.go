package translate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/sirupsen/logrus"
)

// corpusDir is the shared corpus of real compose files, beside the
// repository. Tests skip without it, except in CI where it must be there.
const corpusDir = "../../shared/corpus"

// corpusFiles lists every compose file of the corpus: YAML files and the
// one compose override kept as a .yaml.example.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s is missing in CI: %v", corpusDir, err)
		}
		t.Skipf("corpus %s not found (it lives beside the repository as ../shared/corpus); skipping", corpusDir)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if !d.IsDir() && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yaml.example")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// overlaySets reads FEATURES.md's "Overlay sets loaded together": files
// meant for `-f base -f overlay`, which only load together.
func overlaySets(t testing.TB) [][]string {
	f, err := os.Open(filepath.Join(corpusDir, "FEATURES.md"))
	if err != nil {
		return nil
	}
	defer f.Close()
	line := regexp.MustCompile("^\\* `[^`]+` ← (.*)$")
	var sets [][]string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var set []string
		for _, part := range strings.Split(m[1], " + ") {
			set = append(set, filepath.Join(corpusDir, strings.Trim(part, "` ")))
		}
		sets = append(sets, set)
	}
	return sets
}

// oracle loads files with compose-go alone, as FEATURES.md did: the
// folder's .env, no process environment, every profile.
func oracle(files []string) error {
	logrus.SetOutput(io.Discard) // compose-go's own warnings; Load reports them as diagnostics
	o, err := cli.NewProjectOptions(files, cli.WithEnv(nil), cli.WithEnvFiles(), cli.WithDotEnv,
		cli.WithDefaultProfiles("*"), cli.WithResolvedPaths(true))
	if err != nil {
		return err
	}
	_, err = o.LoadProject(context.Background())
	return err
}

// TestCorpus loads every corpus file (and overlay set) through Load and
// checks it against compose-go alone: what compose-go accepts becomes a
// Graph; what it rejects is an error diagnostic with a file and a line.
func TestCorpus(t *testing.T) {
	inputs := [][]string{}
	for _, f := range corpusFiles(t) {
		inputs = append(inputs, []string{f})
	}
	inputs = append(inputs, overlaySets(t)...)
	var accepted, rejected int
	for _, files := range inputs {
		name := strings.TrimPrefix(strings.Join(files, "+"), corpusDir+"/")
		want := oracle(files)
		g, ds := loadNoPanic(t, name, files)
		switch {
		case want == nil && g == nil:
			t.Errorf("%s: compose-go accepts it, Load refused:\n%s", name, formatAll(ds))
		case want == nil:
			accepted++
		case g != nil:
			t.Errorf("%s: compose-go rejects it (%v), Load accepted", name, want)
		default:
			rejected++
			checkPositioned(t, name, ds)
		}
	}
	t.Logf("corpus: %d inputs (%d files, %d overlay sets): %d accepted -> graph, %d rejected with positioned errors",
		len(inputs), len(inputs)-len(overlaySets(t)), len(overlaySets(t)), accepted, rejected)
	fmt.Fprintf(os.Stderr, "corpus: %d accepted -> graph, %d rejected with positioned errors\n", accepted, rejected)
}

func loadNoPanic(t *testing.T, name string, files []string) (g *Graph, ds Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Load panicked: %v", name, r)
		}
	}()
	return Load(context.Background(), Options{Files: files, Profiles: []string{"*"}})
}

func checkPositioned(t *testing.T, name string, ds Diagnostics) {
	if !ds.HasErrors() {
		t.Errorf("%s: rejected without an error diagnostic", name)
	}
	for _, d := range ds {
		if d.Severity == Error && (d.Pos.File == "" || d.Pos.Line == 0) {
			t.Errorf("%s: error without a position: %s", name, d.Format(""))
		}
	}
}

func formatAll(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("  " + d.Format("") + "\n")
	}
	return b.String()
}
