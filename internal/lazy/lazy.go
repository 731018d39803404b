// Package lazy builds package-level values on first use. A regexp or
// table compiled in a package's init is paid for by every run, even
// `transship version`: its heap (live to the end, so collected over and
// over during compose-go's load) and the code pages the init touches,
// which count in peak RSS (issue 18). Most runs never use most of them.
package lazy

import (
	"regexp"
	"sync"
)

// Regexp is regexp.MustCompile(expr) on the first call.
func Regexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
