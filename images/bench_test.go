package images

import (
	"context"
	"testing"
)

// BenchmarkResolve100 resolves 100 distinct images from the loopback
// registry with the default parallelism: the cost of --resolve-images on
// a large project, without the internet's latency.
func BenchmarkResolve100(b *testing.B) {
	reg := newRegistry(b, nil)
	refs := pushMany(b, reg, 100)
	o := testOptions()
	for b.Loop() {
		if infos, problems := Resolve(context.Background(), refs, o); len(infos) != 100 {
			b.Fatalf("%d infos, problems %+v", len(infos), problems)
		}
	}
}
