package translate

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/sirupsen/logrus"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/corpus"
)

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
	inputs := corpus.Inputs(t)
	var accepted, rejected int
	for _, files := range inputs {
		name := corpus.Name(files)
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
		len(inputs), len(inputs)-len(corpus.OverlaySets()), len(corpus.OverlaySets()), accepted, rejected)
	fmt.Fprintf(os.Stderr, "corpus: %d accepted -> graph, %d rejected with positioned errors\n", accepted, rejected)
}

func loadNoPanic(t *testing.T, name string, files []string) (g *Graph, ds diag.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Load panicked: %v", name, r)
		}
	}()
	return Load(context.Background(), Options{Files: files, Profiles: []string{"*"}})
}

func checkPositioned(t *testing.T, name string, ds diag.Diagnostics) {
	if !ds.HasErrors() {
		t.Errorf("%s: rejected without an error diagnostic", name)
	}
	for _, d := range ds {
		if d.Severity == diag.Error && (d.Pos.File == "" || d.Pos.Line == 0) {
			t.Errorf("%s: error without a position: %s", name, d.Format(""))
		}
	}
}

func formatAll(ds diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("  " + d.Format("") + "\n")
	}
	return b.String()
}
