//go:build !linux

package kubeapi

import "syscall"

// sysProcAttr: outside Linux there is no Pdeathsig; Shutdown/Close are the
// only guard.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processAlive: without a portable check, assume the owner is alive (so
// sweepStale never removes another run's directory).
func processAlive(pid int) bool { return true }
