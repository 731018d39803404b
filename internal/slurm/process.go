package slurm

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a daemon whose stdout and stderr go to Dir/NAME.out.
type proc struct {
	name    string
	cmd     *exec.Cmd
	outPath string
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// spawn starts a daemon with Env (so with the marker, which slurmd passes
// on to slurmstepd) and Pdeathsig.
func (c *Cluster) spawn(name string, args ...string) error {
	outPath := c.path(name + ".out")
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own descriptor
	cmd := exec.Command(c.bin[name], args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	p := &proc{name: name, cmd: cmd, outPath: outPath, done: make(chan struct{})}
	if err := c.spawner.start(cmd); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c.procs = append(c.procs, p)
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return nil
}

// stop sends SIGTERM, then SIGKILL if the process is still there after
// grace, and waits for it.
func (p *proc) stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// spawner starts processes from one goroutine locked to its OS thread. On
// Linux, Pdeathsig fires when the *thread* that forked the child exits, not
// the process; Go may end a thread while the process lives on (when a
// goroutine exits while locked to it), so the children are forked from a
// thread that lives until close. Its goroutine returns still locked, so the
// thread exits then, which kills any child still alive. (As in
// internal/kubeapi.)
type spawner struct {
	req  chan spawnReq
	quit chan struct{}
	once sync.Once
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

func newSpawner() *spawner {
	s := &spawner{req: make(chan spawnReq), quit: make(chan struct{})}
	go func() {
		runtime.LockOSThread() // never unlocked, see above
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

func (s *spawner) start(cmd *exec.Cmd) error {
	r := spawnReq{cmd: cmd, err: make(chan error, 1)}
	select {
	case s.req <- r:
		return <-r.err
	case <-s.quit:
		return errors.New("cluster closed")
	}
}

func (s *spawner) close() { s.once.Do(func() { close(s.quit) }) }

// killMarked SIGKILLs the processes whose marker names a directory match
// accepts (slurmstepd, jobs, clients), and their descendants, until none
// is left (at most 5 s). slurmd leaves its slurmstepds running when it
// stops (that is how Slurm survives a slurmd restart), so they would run on.
func killMarked(match func(dir string) bool) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		pids := markedProcs(match)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			kill(pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sweepStale kills what is left of the clusters of test binaries that died
// without Close (their daemons died with them, their jobs did not), and
// removes their directories.
func sweepStale() {
	stale := func(dir string) bool {
		rest, ok := strings.CutPrefix(filepath.Base(dir), tmpPrefix)
		pidStr, _, ok2 := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		return ok && ok2 && err == nil && pid != os.Getpid() && !processAlive(pid)
	}
	killMarked(stale)
	for _, base := range []string{os.TempDir(), "/tmp"} {
		dirs, _ := filepath.Glob(filepath.Join(base, tmpPrefix+"*"))
		for _, d := range dirs {
			if stale(d) {
				os.RemoveAll(d)
			}
		}
	}
}
