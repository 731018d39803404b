package main

import (
	"debug/elf"
	"testing"
)

// maxMapped bounds the binary's read-only PT_LOAD segments (code, then
// rodata with the pclntab and type data). At 500 services they are most
// of what transship's peak RSS has over compose-go's (issue 18): the
// kernel maps whole 64 KB windows around each page fault, and the inits
// of 181 packages spread over the text touch most windows before any
// input is read: about three quarters of both segments are resident at
// 500 services (text 6.1 of 8.1 MB, rodata 6.1 of 8.2, from the present
// bits of /proc/self/pagemap), while scripts/composeload maps 4.8 MiB
// and transship's anonymous memory is no larger than compose-go's own. The bound is the 15.5 MiB of 16b6f4d plus
// room for ordinary growth, not for a new heavy import path (client-go,
// a second YAML or HTTP stack).
const maxMapped = 16 << 20

// checkMapped fails when the read-only segments of bin outgrow maxMapped.
func checkMapped(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mapped uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_W == 0 {
			mapped += p.Memsz
		}
	}
	t.Logf("read-only segments: %.2f MiB", float64(mapped)/(1<<20))
	if mapped > maxMapped {
		t.Errorf("the binary maps %.2f MiB of code and rodata (at most %.0f): most of it is resident on every run; import the subpackage you need, not one that drags a subtree (go list -deps ./cmd/transship)",
			float64(mapped)/(1<<20), float64(maxMapped)/(1<<20))
	}
}
