package translate

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"

	"github.com/transship/transship/internal/corpus"
	"github.com/transship/transship/internal/synth"
)

// The benchmarks compare Load with compose-go's own load of the same file
// (the floor: Load cannot be cheaper than what it calls), on synthetic
// projects of 50, 500 and 5000 services and on the corpus. Cost per
// service should stay flat as the project grows.

var sizes = []int{50, 500, 5000}

func synthFile(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	f := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(f, synth.Compose(n), 0o644); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkComposeGoLoad is compose-go's load as `docker compose` runs it.
// Its consistency check is cubic in the length of a depends_on chain, so
// the 5000-service case takes minutes: it is skipped unless
// TRANSSHIP_BENCH_SLOW=1.
func BenchmarkComposeGoLoad(b *testing.B) { benchComposeGo(b, false) }

// BenchmarkComposeGoLoadNoCheck is the same load without that check: the
// part of compose-go that Load calls, hence the floor of Load.
func BenchmarkComposeGoLoadNoCheck(b *testing.B) { benchComposeGo(b, true) }

func benchComposeGo(b *testing.B, skipCheck bool) {
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			if n > 1000 && !skipCheck && os.Getenv("TRANSSHIP_BENCH_SLOW") != "1" {
				b.Skip("cubic in compose-go; set TRANSSHIP_BENCH_SLOW=1 to measure")
			}
			f := synthFile(b, n)
			b.ReportAllocs()
			for b.Loop() {
				o, err := cli.NewProjectOptions([]string{f}, cli.WithEnv(nil), cli.WithResolvedPaths(true),
					cli.WithLoadOptions(func(lo *loader.Options) {
						lo.MaxNodeVisits = 1 << 30
						lo.SkipConsistencyCheck = skipCheck
					}))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := o.LoadProject(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/service")
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			f := synthFile(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if g, ds := Load(context.Background(), Options{Files: []string{f}}); g == nil {
					b.Fatal(ds)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/service")
		})
	}
}

// BenchmarkCorpus loads every corpus file once per iteration.
func BenchmarkCorpus(b *testing.B) {
	files := corpus.Files(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			Load(context.Background(), Options{Files: []string{f}, Profiles: []string{"*"}})
		}
	}
}
