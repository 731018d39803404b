package kubernetes

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/transship/transship/internal/synth"
	"github.com/transship/transship/site"
	"github.com/transship/transship/translate"
)

// BenchmarkEmit measures the target alone, on the synthetic projects
// scripts/bench.sh times end to end: the cost per service should stay
// flat as the project grows.
func BenchmarkEmit(b *testing.B) {
	prof, _ := site.Load("egi-im", nil)
	for _, n := range []int{50, 500, 5000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), synth.Compose(n), 0o644); err != nil {
				b.Fatal(err)
			}
			g, ds := translate.Load(context.Background(), translate.Options{ProjectDir: dir})
			if ds.HasErrors() {
				b.Fatal(ds)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, ds := Emit(g, Options{Site: prof.Kubernetes}); ds.HasErrors() {
					b.Fatal(ds)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/service")
		})
	}
}
