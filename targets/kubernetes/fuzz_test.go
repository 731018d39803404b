package kubernetes

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/transship/transship/site"
	"github.com/transship/transship/translate"
)

// FuzzEmit feeds arbitrary compose files through Load and Emit: whatever
// loads must convert without a panic, and every file must be YAML the API
// server's decoder reads as one object with a kind.
func FuzzEmit(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/*/compose.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("services:\n  a:\n    image: x\n    ports: [\"1-200:1-200/udp\"]\n    networks:\n      n: {aliases: [A_b, \"1\"]}\nnetworks: {n: {internal: true}}\n"))
	profs := []*site.Profile{}
	for _, n := range []string{"generic", "egi-rancher"} {
		p, _ := site.Load(n, nil)
		profs = append(profs, p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		g, ds := translate.Load(context.Background(), translate.Options{ProjectDir: dir, ProjectName: "fuzz"})
		if g == nil || ds.HasErrors() {
			return
		}
		for _, p := range profs {
			files, _ := Emit(g, Options{Site: p.Kubernetes})
			for _, file := range files {
				var obj map[string]any
				if err := yaml.UnmarshalStrict(file.Data, &obj); err != nil || obj["kind"] == nil {
					t.Fatalf("%s is not one object (%v):\n%s", file.Path, err, file.Data)
				}
				if bytes.Contains(file.Data, []byte(dir)) {
					t.Fatalf("%s holds the host path %s", file.Path, dir)
				}
			}
		}
	})
}
