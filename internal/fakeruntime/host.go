package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// defaultPath is what both runtimes give a container whose environment
// sets no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// mount is a bind (apptainer) or volume (udocker) after validation.
type mount struct {
	host      string // absolute host path
	container string // absolute, cleaned container path
}

// hostRun is the command the double replaces itself with.
type hostRun struct {
	argv []string
	env  []string // container environment including defaults
	dir  string   // host directory standing in for the container workdir
}

// withDefaults adds PATH and HOME when the container environment lacks
// them, as the real runtimes do. It returns a new slice so the caller's
// recorded list keeps exactly what the script passed.
func withDefaults(env []string) []string {
	out := append([]string(nil), env...)
	if _, ok := lookupEnv(env, "PATH"); !ok {
		out = append(out, "PATH="+defaultPath)
	}
	if _, ok := lookupEnv(env, "HOME"); !ok {
		if home, set := os.LookupEnv("HOME"); set {
			out = append(out, "HOME="+home)
		}
	}
	return out
}

// lookupEnv finds the first K=V for key: that is the one getenv(3) in the
// exec'd command sees when a key is duplicated.
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

// newMount checks a host/container pair the way the runtime would refuse
// it at container creation: the host side must exist.
func newMount(host, container string) (mount, error) {
	if _, err := os.Stat(host); err != nil {
		return mount{}, fmt.Errorf("mount %s: no such file or directory", host)
	}
	if !path.IsAbs(container) {
		return mount{}, fmt.Errorf("mount destination %s must be an absolute path", container)
	}
	abs, err := filepath.Abs(host)
	if err != nil {
		return mount{}, err
	}
	return mount{host: abs, container: path.Clean(container)}, nil
}

// hostDir maps the container working directory to a host directory; see
// the package comment for the rule. The most specific mount wins because
// it shadows its parents inside the container; on a tie the later one
// wins, as the later mount is on top.
func hostDir(workdir string, mounts []mount) string {
	if workdir == "" {
		return "/"
	}
	wd := path.Clean(workdir)
	best, bestLen := "", -1
	for _, m := range mounts {
		rest, ok := within(wd, m.container)
		if ok && len(m.container) >= bestLen {
			best, bestLen = filepath.Join(m.host, rest), len(m.container)
		}
	}
	if bestLen >= 0 {
		return best
	}
	if fi, err := os.Stat(wd); err == nil && fi.IsDir() {
		return wd
	}
	return "/"
}

// within reports whether p is root or below it, and the remainder.
func within(p, root string) (string, bool) {
	switch {
	case p == root:
		return "", true
	case root == "/":
		return strings.TrimPrefix(p, "/"), true
	case strings.HasPrefix(p, root+"/"):
		return p[len(root)+1:], true
	}
	return "", false
}

// exec replaces the process with the command. It returns only on failure.
// Chdir comes first so a relative command or PATH entry resolves against
// the working directory, as inside the container.
func (r *hostRun) exec() error {
	if err := os.Chdir(r.dir); err != nil {
		return fatal("test double: working directory: %v", err)
	}
	bin, err := lookPath(r.argv[0], r.env)
	if err != nil {
		return fatal("%q: executable file not found in $PATH", r.argv[0])
	}
	err = syscall.Exec(bin, r.argv, r.env)
	return fatal("%q: %v", r.argv[0], err)
}

// lookPath resolves name with the container's PATH, not the host's: a
// script that relies on a host-only PATH entry must fail here too.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		_, err := os.Stat(name)
		return name, err
	}
	p, _ := lookupEnv(env, "PATH")
	// exec.LookPath reads PATH from our own environment; we exec next, so
	// changing it has no other effect.
	if err := os.Setenv("PATH", p); err != nil {
		return "", err
	}
	bin, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		// A relative PATH entry is legal in a container; it resolves
		// against the working directory we just entered.
		err = nil
	}
	return bin, err
}
