//go:build !linux

package daemon

import "os/exec"

// setPdeathsig: outside Linux there is no Pdeathsig; Stop and Close are
// the only guard.
func setPdeathsig(cmd *exec.Cmd) {}

// processAlive: without a portable check, assume the process is alive (so
// Orphaned never claims another run's directory).
func processAlive(pid int) bool { return true }
