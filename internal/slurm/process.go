package slurm

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/transship/transship/internal/daemon"
)

// spawn starts a daemon with Env (so with the marker, which slurmd passes
// on to slurmstepd), its stdout and stderr in Dir/NAME.out.
func (c *Cluster) spawn(name string, args ...string) error {
	cmd := exec.Command(c.bin[name], args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env()
	p, err := c.spawner.Spawn(name, cmd, c.path(name+".out"))
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

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
	stale := func(dir string) bool { return daemon.Orphaned(dir, tmpPrefix) }
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

// Proc is a process Leftovers found.
type Proc struct {
	PID int
	Cmd string // its command line, arguments joined by spaces
}

// Leftovers are the live processes of user uid that this cluster's jobs
// left (they carry its marker, or descend from one that does). A job's
// processes are not the test's children, and another suite's processes
// of the same user (a second make e2e-runtimes beside this one) share the
// host's PID namespace: a leftover check that killed every process of the
// user there killed the other suite's jobs.
func (c *Cluster) Leftovers(uid int) []Proc {
	return leftovers(uid, func(dir string) bool { return dir == c.Dir })
}
