package batch_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/transship/transship/internal/e2ecache"
	"github.com/transship/transship/internal/slurm"
	"github.com/transship/transship/internal/standin"
)

// The real-runtime tests' environment: the runtimes of
// e2ecache.RuntimesDir(), an unprivileged user to run them (created when
// the tests run as root: HPC users are not root, and root Apptainer fails
// on this machine), and a workspace that user can read and write.

// RealUser is the user the tests create to run the runtimes as.
const RealUser = "transship-e2e"

type realEnv struct {
	dir      string // e2ecache.RuntimesDir()
	path     string // PATH with apptainer and udocker
	tarball  string // the udockertools tarball
	uid, gid int
	home     string
	program  string // the stand-in program
	sifs     *sifCache
}

var realOnce struct {
	sync.Once
	env *realEnv
	err error
}

// requireRealRuntimes skips unless TRANSSHIP_RUNTIMES_E2E=1 (make
// e2e-runtimes), and then fails when CI=true or skips, saying why, when a
// runtime is missing.
func requireRealRuntimes(t *testing.T) *realEnv {
	t.Helper()
	if os.Getenv("TRANSSHIP_RUNTIMES_E2E") != "1" {
		t.Skip("real-runtime tests run with make e2e-runtimes (TRANSSHIP_RUNTIMES_E2E=1)")
	}
	realOnce.Do(func() { realOnce.env, realOnce.err = setUpReal() })
	if err := realOnce.err; err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return realOnce.env
}

func setUpReal() (*realEnv, error) {
	e := &realEnv{dir: e2ecache.RuntimesDir()}
	app := filepath.Join(e.dir, "apptainer", "bin", "apptainer")
	ud := filepath.Join(e.dir, "bin", "udocker")
	for _, f := range []string{app, ud} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%s missing: run scripts/e2e-runtimes-deps.sh (make e2e-deps), which needs ../shared/runtimes", f)
		}
	}
	m, _ := filepath.Glob(filepath.Join(e.dir, "udockertools-*.tar.gz"))
	if len(m) != 1 {
		return nil, fmt.Errorf("no udockertools tarball in %s: run scripts/e2e-runtimes-deps.sh", e.dir)
	}
	e.tarball = m[0]
	e.path = filepath.Dir(app) + ":" + filepath.Dir(ud) + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
	if err := e.user(); err != nil {
		return nil, err
	}
	// The stand-in is built as root, into a directory the user can read
	// and that outlives the first test (the runtimes' own).
	var err error
	if e.sifs, err = newSIFCache(filepath.Join(e.dir, "sif-cache"), app); err != nil {
		return nil, err
	}
	e.program, err = standin.Program(e.dir)
	return e, err
}

// user picks the unprivileged user: the current one, or RealUser, made
// when missing.
func (e *realEnv) user() error {
	if os.Geteuid() != 0 {
		e.uid, e.gid, e.home = os.Getuid(), os.Getgid(), os.Getenv("HOME")
		return nil
	}
	u, err := user.Lookup(RealUser)
	if err != nil {
		out, err := exec.Command("useradd", "--create-home", "--shell", "/bin/bash", RealUser).CombinedOutput()
		if err != nil {
			return fmt.Errorf("useradd %s: %v: %s", RealUser, err, out)
		}
		if u, err = user.Lookup(RealUser); err != nil {
			return err
		}
	}
	e.uid, _ = strconv.Atoi(u.Uid)
	e.gid, _ = strconv.Atoi(u.Gid)
	e.home = u.HomeDir
	return nil
}

// realWorkspace is one runtime's directory under /tmp, owned by the user:
// projects, outputs, the image cache, udocker's repository, volumes.
type realWorkspace struct {
	env     *realEnv
	rt      string
	dir     string
	runs    int
	images  map[string]bool
	jobID   string
	sub     string         // the example whose images are in imagesDir
	extra   []string       // more environment for the next runs
	udir    string         // udocker's directory, below dir ("udocker" unless an example has its own)
	cluster *slurm.Cluster // the Slurm cluster its jobs run on, whose leftovers are looked for
}

func (e *realEnv) workspace(t *testing.T, rt string) *realWorkspace {
	t.Helper()
	dir, err := os.MkdirTemp("", "transship-rt-"+rt+"-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	ws := &realWorkspace{env: e, rt: rt, dir: dir, images: map[string]bool{}, udir: "udocker"}
	for _, d := range []string{"images", "home", "udocker", "tmp"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	ws.chown(t)
	if rt == "udocker" {
		if res := ws.exec(t, filepath.Join(ws.env.dir, "bin", "udocker"), "install"); res.code != 0 {
			t.Fatalf("udocker install from %s: exit %d\n%s", e.tarball, res.code, res.out)
		}
	}
	return ws
}

// imagesDir is the image cache: one per example (sub), since the
// examples' stand-ins for one image ref differ.
func (ws *realWorkspace) imagesDir() string { return filepath.Join(ws.dir, "images", ws.sub) }

// volumes is the named volumes' directory of the last run.
func (ws *realWorkspace) volumes() string { return filepath.Join(ws.dir, "volumes", ws.jobID) }

// chown gives the workspace to the user.
func (ws *realWorkspace) chown(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	filepath.Walk(ws.dir, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(p, ws.env.uid, ws.env.gid)
		}
		return nil
	})
}

// run runs OUT/run.sh as the user in namespaces of its own (execNetns),
// to its end.
func (ws *realWorkspace) run(t *testing.T, out string) runResult {
	t.Helper()
	ws.jobID = fmt.Sprintf("run%d", ws.runs)
	return ws.execNetns(t, filepath.Join(out, "run.sh"), func(string, string) bool { return false })
}

// exec runs a command as the user, in its own process group and (as
// root) PID namespace, killed with the test (Pdeathsig) and, with all it
// started, when it returns. In a namespace of its own, it is no leftover
// of a Slurm job that runs beside it (checkNothingLeft).
func (ws *realWorkspace) exec(t *testing.T, name string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = ws.dir
	cmd.Env = ws.cmdEnv()
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(ws.env.uid), Gid: uint32(ws.env.gid)}
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(3*time.Minute, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	timer.Stop()
	res := runResult{out: buf.String(), took: time.Since(start)}
	res.code = exitCode(t, err)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return res
}

// exitCode is a command's exit status, 128+N when signal N ended it.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return 128 + int(st.Signal())
		}
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// runtimes are the runtimes to test: TRANSSHIP_RUNTIMES_ONLY, or both.
func runtimes() []string {
	if only := os.Getenv("TRANSSHIP_RUNTIMES_ONLY"); only != "" {
		return strings.Fields(only)
	}
	return []string{"apptainer", "udocker"}
}

// cmdEnv is the environment of the user's commands.
func (ws *realWorkspace) cmdEnv() []string {
	return append([]string{
		"PATH=" + ws.env.path,
		"HOME=" + filepath.Join(ws.dir, "home"),
		"TMPDIR=" + filepath.Join(ws.dir, "tmp"),
		"LANG=C.UTF-8",
		"TRANSSHIP_RUNTIME=" + ws.rt,
		"TRANSSHIP_IMAGE_CACHE=" + ws.imagesDir(),
		"TRANSSHIP_VOLUMES=" + filepath.Join(ws.dir, "volumes"),
		"TRANSSHIP_JOB_ID=" + ws.jobID,
		"TRANSSHIP_CVMFS_UNPACKED=",
		"APPTAINER_CACHEDIR=" + filepath.Join(ws.dir, "home", "apptainer-cache"),
		"UDOCKER_DIR=" + filepath.Join(ws.dir, ws.udir),
		"UDOCKER_TARBALL=" + ws.env.tarball,
	}, ws.extra...)
}

// checkNothingLeft: no udocker container is left, nor, after a Slurm job,
// a process of the user that the cluster's jobs left (Cluster.Leftovers:
// its marker, never another suite's processes of the same user); the
// runs of execNetns, side by side, have PID namespaces of their own and
// report their leftovers themselves.
func (ws *realWorkspace) checkNothingLeft(t *testing.T) {
	t.Helper()
	if ws.cluster != nil {
		time.Sleep(200 * time.Millisecond)
		if left := ws.cluster.Leftovers(ws.env.uid); len(left) > 0 {
			t.Errorf("processes left behind: %v", left)
			for _, p := range left {
				syscall.Kill(p.PID, syscall.SIGKILL) // this cluster's job's
			}
		}
	}
	if ws.rt == "udocker" {
		res := ws.exec(t, filepath.Join(ws.env.dir, "bin", "udocker"), "ps")
		if strings.Contains(res.out, "transship-") {
			t.Errorf("udocker containers left behind:\n%s", res.out)
		}
	}
}

// report is the run's one line in the output.
func (ws *realWorkspace) report(t *testing.T, what string, res runResult) {
	run := ""
	if res.total > 0 {
		run = fmt.Sprintf(" after TERM, run %5.1fs", res.total.Seconds())
	}
	fmt.Printf("e2e-runtimes: %-9s %-10s exit %3d in %5.1fs%s (%s)\n", ws.rt, what, res.code, res.took.Seconds(), run, t.Name())
}
