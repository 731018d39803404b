package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// How transship paces its garbage collector. Nearly all it allocates is
// compose-go's load: about 1,500 bytes for every byte of compose, of which
// at most about 80 are live at once, and those only towards the end. GOGC
// paces collections to the heap live at the moment, so early in a load,
// while little is live, it collects very often (GOGC=100: 66 collections
// for 5,000 services) or, set high, lets the heap grow to four times the
// final live heap (GOGC=300: peak RSS 2.5 times compose-go's own).
// Instead, once the input's size is known, GOGC is off and a soft memory
// limit of about twice the live heap that input reaches drives the
// collections: as few as GOGC=100 needs at the peak and hardly any before,
// with a peak no higher than GOGC=100's. The memory limit counts all the
// runtime holds (free spans not yet returned, metadata), which a heap goal
// does not. The figures are `make bench`'s.

const (
	// limitBase covers what does not grow with the input: the runtime's
	// own memory, compose-go's compiled JSON schema, transship's tables.
	// Less makes 500 services slower to load than compose-go alone.
	limitBase = 12 << 20
	// limitPerByte is about twice the live heap per input byte that
	// compose-go and transship reach together on the bench files.
	limitPerByte = 150
)

func init() {
	// transship never writes a heap profile: the profiler's sampling
	// costs memory (1.4 MB of buckets at 500 services) and time.
	runtime.MemProfileRate = 0
}

// userSet reports whether the user chose the GC's settings themselves.
func userSet() bool {
	return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != ""
}

// initMemory sets the pacing used until the input's size is known (flags,
// site profiles: little is allocated): few collections, and a limit for
// safety.
func initMemory() {
	if userSet() {
		return
	}
	debug.SetGCPercent(300)
	debug.SetMemoryLimit(2 << 30)
}

var (
	memMu    sync.Mutex
	memLimit int64 // the limit set from the input; 0 before
)

// sizeMemory is cli.InputSized: it sets the limit from the input's size
// and turns GOGC's pacing off.
func sizeMemory(bytes int) {
	if userSet() {
		return
	}
	memMu.Lock()
	first := memLimit == 0
	memLimit = max(memLimit, limitBase+limitPerByte*int64(bytes))
	debug.SetMemoryLimit(memLimit)
	memMu.Unlock()
	debug.SetGCPercent(-1)
	if first {
		watchCollections()
	}
}

// raise keeps the limit at least GOGC=100's heap goal, twice the live
// heap plus its roots: an input unlike the bench's (a live heap past the
// guess) is collected about as often as by default, never starved.
func raise() {
	live, roots := gcSizes()
	memMu.Lock()
	defer memMu.Unlock()
	if need := 2*live + roots; need > memLimit {
		memLimit = need
		debug.SetMemoryLimit(memLimit)
	}
}

// watchCollections calls raise after every collection: a finalizer on an
// object dropped at once runs after the next collection, and sets itself
// up again.
func watchCollections() {
	s := new(sentinel)
	runtime.SetFinalizer(s, func(*sentinel) {
		raise()
		watchCollections()
	})
}

// sentinel holds a pointer so that it is not batched with other small
// objects by the tiny allocator, which would delay its finalizer.
type sentinel struct{ _ *int }

// gcSizes are the heap the last collection found live and the stacks and
// globals it scanned, in bytes.
func gcSizes() (live, roots int64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(s)
	var v [3]int64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = int64(s[i].Value.Uint64())
		}
	}
	return v[0], v[1] + v[2]
}
