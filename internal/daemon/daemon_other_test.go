//go:build !linux

package daemon

import (
	"syscall"
	"testing"
)

// checkPdeathsig: there is no Pdeathsig outside Linux.
func checkPdeathsig(t *testing.T, attr *syscall.SysProcAttr) {}
