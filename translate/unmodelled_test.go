package translate

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/transship/transship/diag"
)

// Top-level sections the Graph has no place for are listed, never dropped.
func TestUnmodelledTopLevel(t *testing.T) {
	dir := t.TempDir()
	compose := "services:\n  web:\n    image: nginx\njobs:\n  backup:\n    image: busybox\n    triggers:\n      manual: true\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	g, ds := Load(context.Background(), Options{ProjectDir: dir})
	if g == nil {
		t.Fatalf("load failed: %v", ds)
	}
	want := diag.Src{Pos: diag.Pos{File: "compose.yaml", Line: 5, Col: 3}, Path: "jobs.backup"}
	if len(g.Unmodelled) != 1 || g.Unmodelled[0] != want {
		t.Fatalf("Unmodelled = %+v, want [%+v]", g.Unmodelled, want)
	}
}
