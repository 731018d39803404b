package kubeapi

import "syscall"

// sysProcAttr makes the kernel SIGKILL the child when the thread that
// started it exits (see spawner), so that a test binary that dies without
// Close (a panic, `go test -timeout`, SIGKILL) leaves no etcd or
// kube-apiserver behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) != syscall.ESRCH
}
