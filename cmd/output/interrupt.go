package output

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A write interrupted by Ctrl-C or SIGTERM must leave nothing behind: the
// temporary directory being filled beside the output is removed, and the
// swap of old and new output (swap.go) is never cut in half. An
// interrupted run that could not clean up (SIGKILL, a crash) leaves a
// temporary directory whose name holds its process id; the next Write
// beside it removes it once that process is gone.

var inFlight struct {
	sync.Mutex
	tmp map[string]bool // temporary directories being built
}

// track registers (on) or forgets (off) a temporary directory.
func track(tmp string, on bool) {
	inFlight.Lock()
	defer inFlight.Unlock()
	if inFlight.tmp == nil {
		inFlight.tmp = map[string]bool{}
	}
	if on {
		inFlight.tmp[tmp] = true
	} else {
		delete(inFlight.tmp, tmp)
	}
}

// locked runs f holding inFlight's lock.
func locked(f func() error) error {
	inFlight.Lock()
	defer inFlight.Unlock()
	return f()
}

// Interrupt removes the temporary directories of writes in progress, for
// a signal handler that then exits. It waits for a swap under way to
// finish, so that the output is whole, old or new.
func Interrupt() {
	inFlight.Lock() // held until exit: no new swap starts
	for tmp := range inFlight.tmp {
		os.RemoveAll(tmp)
	}
	inFlight.tmp = nil
}

// tmpPattern is the MkdirTemp pattern of the temporary directory of base:
// .BASE.transship-tmp-PID-RANDOM.
func tmpPattern(base string) string {
	return "." + base + ".transship-tmp-" + strconv.Itoa(os.Getpid()) + "-*"
}

// removeStale removes temporary directories of base in parent that
// earlier runs left: those whose process is gone, and, from versions that
// did not name the process, those older than an hour.
func removeStale(parent, base string) {
	des, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := "." + base + ".transship-tmp-"
	for _, de := range des {
		rest, ok := strings.CutPrefix(de.Name(), prefix)
		if !ok || !de.IsDir() {
			continue
		}
		if stale(rest, de) {
			os.RemoveAll(filepath.Join(parent, de.Name()))
		}
	}
}

// stale: rest is "PID-RANDOM" and process PID is gone, or a bare RANDOM
// (the older naming) on a directory untouched for an hour.
func stale(rest string, de os.DirEntry) bool {
	if p, _, ok := strings.Cut(rest, "-"); ok {
		pid, err := strconv.Atoi(p)
		return err == nil && pid > 0 && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	}
	info, err := de.Info()
	return err == nil && time.Since(info.ModTime()) > time.Hour
}
