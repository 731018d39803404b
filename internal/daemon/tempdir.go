package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MkdirTemp makes a new directory in base (os.TempDir() if empty) named
// prefix<pid>-<random>: the pid lets Orphaned tell, after a test binary
// died without cleaning up, that the directory is no one's.
func MkdirTemp(base, prefix string) (string, error) {
	return os.MkdirTemp(base, fmt.Sprintf("%s%d-", prefix, os.Getpid()))
}

// Orphaned reports whether dir was made by MkdirTemp with this prefix in
// another process that is gone. Outside Linux it is always false: there is
// no portable check, and another run's directory must not be removed.
func Orphaned(dir, prefix string) bool {
	rest, ok := strings.CutPrefix(filepath.Base(dir), prefix)
	pidStr, _, ok2 := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidStr)
	return ok && ok2 && err == nil && pid != os.Getpid() && !processAlive(pid)
}
