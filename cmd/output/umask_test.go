//go:build unix

package output

import (
	"syscall"
	"testing"
)

// The modes in the output do not depend on the umask of whoever runs
// transship.
func TestWriteIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })
	dir, _ := outDir(t)
	mustWrite(t, dir, v1, Options{})
	assertTree(t, dir, v1Tree())
}
