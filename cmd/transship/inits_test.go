package main

import (
	"debug/buildinfo"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every run pays for every linked package's init, even `transship
// version`: its heap stays live through compose-go's load and the code
// pages it touches count in peak RSS (issue 18). transship's own
// packages compiled 40 regexps and tables at init (site 293 KB,
// translate 266 KB, targets/kubernetes 78 KB); they are now built on
// first use (internal/lazy). And site decoded HCL through gohcl, which
// links hclwrite and go-cmp (215 KB of init heap) for nothing transship
// calls. The real binary's init trace and module list must stay so, and
// its code and rodata within maxMapped (segments_test.go).
func TestInitsStayLight(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	_, bin := buildBinary(t)
	checkMapped(t, bin)
	trace := traced(t, bin, "inittrace=1", nil, "version")
	inits := initBytes(trace)
	if len(inits) == 0 {
		t.Fatalf("no init trace in:\n%s", trace)
	}
	// Allocation counts are deterministic; the bound leaves room for a
	// few small tables, not for compiled regexps (a few KB each).
	const maxOwn = 32 << 10
	for pkg, n := range inits {
		if strings.HasPrefix(pkg, "github.com/transship/transship/") && n > maxOwn {
			t.Errorf("init of %s allocates %d bytes (at most %d): build its regexps and tables on first use (internal/lazy)", pkg, n, maxOwn)
		}
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range info.Deps {
		if m.Path == "github.com/google/go-cmp" {
			t.Errorf("the binary links %s (through hcl's gohcl and hclwrite?): decode HCL as site/decode.go does", m.Path)
		}
	}
}

var initLine = regexp.MustCompile(`(?m)^init (\S+) @.* (\d+) bytes, \d+ allocs$`)

// initBytes maps each package in a GODEBUG=inittrace=1 trace to the bytes
// its init allocated.
func initBytes(trace string) map[string]int {
	m := map[string]int{}
	for _, l := range initLine.FindAllStringSubmatch(trace, -1) {
		n, _ := strconv.Atoi(l[2])
		m[l[1]] += n
	}
	return m
}
