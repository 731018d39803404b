// Package daemon starts the child processes of test helpers (etcd and
// kube-apiserver in internal/kubeapi, the Slurm daemons in internal/slurm)
// so that they never outlive the test binary, and stops them.
//
// On Linux every child is started with Pdeathsig=SIGKILL, so even a test
// binary killed by `go test -timeout` or SIGKILL takes its children along.
// But Pdeathsig fires when the *thread* that forked the child exits, not
// the process, and Go may end a thread while the process lives on (when a
// goroutine exits while locked to it). So the children are forked by a
// Spawner: one goroutine locked to its OS thread until Close. Its goroutine
// then returns still locked, so the thread exits, which kills any child
// still alive; but when that thread is the process's main thread, Go parks
// it instead of ending it, so Close does not replace Proc.Stop. Outside
// Linux there is no Pdeathsig: Stop and Close are the only guard.
package daemon

import (
	"errors"
	"os/exec"
	"runtime"
	"sync"
)

// ErrClosed is returned by Start and Spawn after Close.
var ErrClosed = errors.New("spawner closed")

// Spawner starts processes from one thread that lives until Close (see the
// package comment). Its methods are safe for concurrent use.
type Spawner struct {
	req  chan spawnReq
	quit chan struct{}
	once sync.Once
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

// NewSpawner starts the spawner's thread; Close ends it.
func NewSpawner() *Spawner {
	s := &Spawner{req: make(chan spawnReq), quit: make(chan struct{})}
	go func() {
		runtime.LockOSThread() // never unlocked: see the package comment
		for {
			select {
			case r := <-s.req:
				r.err <- r.cmd.Start()
			case <-s.quit:
				return
			}
		}
	}()
	return s
}

// Start starts cmd (as cmd.Start) from the spawner's thread, with
// Pdeathsig=SIGKILL added to cmd.SysProcAttr on Linux. The caller waits
// for it (cmd.Wait).
func (s *Spawner) Start(cmd *exec.Cmd) error {
	setPdeathsig(cmd)
	r := spawnReq{cmd: cmd, err: make(chan error, 1)}
	select {
	case s.req <- r:
		return <-r.err
	case <-s.quit:
		return ErrClosed
	}
}

// Close ends the spawner's thread, which on Linux SIGKILLs the children
// still alive, unless it is the main thread (see the package comment):
// Stop them first. It is idempotent.
func (s *Spawner) Close() { s.once.Do(func() { close(s.quit) }) }
