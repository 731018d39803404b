package translate

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/corpus"
)

// FuzzLoad feeds arbitrary bytes as a compose file: Load must answer with
// a Graph or with diagnostics, never panic, and every error it reports
// must have a position.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*/compose.yaml")
	if _, err := os.Stat(corpus.Dir()); err == nil {
		more, _ := filepath.Glob(corpus.Dir() + "/*/*.y*ml")
		seeds = append(seeds, more...)
	}
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("services: {web: {image: nginx, ports: ['80:abc']}}"))
	f.Add([]byte("a: &a [*a, *a]\nservices: {}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		g, ds := Load(context.Background(), Options{Files: []string{file}, ProjectName: "fuzz"})
		if g == nil && !ds.HasErrors() {
			t.Fatalf("no graph and no error")
		}
		for _, d := range ds {
			if d.Severity == diag.Error && d.Pos.File == "" {
				t.Fatalf("error without a file: %s", d.Format(""))
			}
		}
	})
}
