package translate

import (
	"context"
	"strings"
	"testing"
)

// TestNormalized: the compose file handed to docker on a VM names project
// files relatively and holds no host path.
func TestNormalized(t *testing.T) {
	g, ds := Load(context.Background(), Options{Files: []string{"../examples/secrets-configs/compose.yaml"}, Normalized: true})
	if g == nil || ds.HasErrors() {
		t.Fatal(ds)
	}
	s := string(g.Compose)
	if s == "" || strings.Contains(s, g.Dir) {
		t.Fatalf("the normalized file is empty or holds the host path %s:\n%s", g.Dir, s)
	}
	for _, want := range []string{"name: secrets-configs", "./secrets/db_password.txt"} {
		if !strings.Contains(s, want) {
			t.Errorf("normalized file lacks %q:\n%s", want, s)
		}
	}
	g2, _ := Load(context.Background(), Options{Files: []string{"../examples/secrets-configs/compose.yaml"}})
	if g2.Compose != nil {
		t.Error("Compose is filled without Normalized")
	}
}
