package translate

import (
	"context"
	"os"
	"path/filepath"
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

// TestNormalizedHome: a "~" bind source stays "~/...": compose-go expands
// it to the converting user's home, which must not reach the output.
func TestNormalizedHome(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil || home == "/" {
		t.Skip("no home directory")
	}
	dir := t.TempDir()
	// A container path under the same home is the container's: it stays.
	compose := "services:\n  app:\n    image: busybox\n    volumes:\n      - ~/appdata:/data\n      - cache:" + home + "/.cache\nvolumes:\n  cache:\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	g, ds := Load(context.Background(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, Normalized: true})
	if g == nil || ds.HasErrors() {
		t.Fatal(ds)
	}
	s := string(g.Compose)
	if strings.Contains(s, "source: "+home) || !strings.Contains(s, "source: ~/appdata") || !strings.Contains(s, "target: "+home+"/.cache") {
		t.Errorf("the home directory %s leaks into the normalized file, or ~/appdata is gone:\n%s", home, s)
	}
}
