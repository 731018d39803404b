//go:build !linux

package slurm

import "syscall"

// sysProcAttr: outside Linux there is no Pdeathsig; Shutdown/Close are the
// only guard.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processAlive: without a portable check, assume the owner is alive (so
// sweepStale never removes another run's directory).
func processAlive(pid int) bool { return true }

// markedProcs: no /proc to search; Close only stops the daemons.
func markedProcs(match func(dir string) bool) []int { return nil }

func kill(pid int) {}
