package batch_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// execNetns runs the launcher as the user in a network namespace of its
// own (only loopback, up) and a PID namespace, so that all it starts
// dies with it if the test is killed, so that the services' ports meet no one
// else's and their traffic stays there; the namespace's
// ip_unprivileged_port_start is the kernel's default, 1024, as on a
// compute node. When ready(log, netns) turns true, the launcher gets
// TERM (as from Slurm's --signal=B:TERM). Without root, no namespace.
func (ws *realWorkspace) execNetns(t *testing.T, script string, ready func(out, netns string) bool) runResult {
	t.Helper()
	args := []string{"bash", script}
	if os.Geteuid() == 0 {
		args = append([]string{"unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--", "sh", "-c", nsInit,
			strconv.Itoa(ws.env.uid), strconv.Itoa(ws.env.gid)}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ws.dir
	cmd.Env = ws.cmdEnv()
	var buf syncBuffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = 5 * time.Second // a service left behind holds the pipe
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	netns := fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)
	var err error
	var stopped time.Time
	limit := time.After(4 * time.Minute)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-limit:
			t.Errorf("the job did not end in 4 minutes")
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-tick.C:
			if stopped.IsZero() && ready(buf.String(), netns) {
				stopped = time.Now()
				syscall.Kill(launcherPid(cmd.Process.Pid), syscall.SIGTERM)
			}
		}
	}
	res := runResult{out: buf.String(), took: time.Since(start)}
	if !stopped.IsZero() {
		res.took, res.total = time.Since(stopped), res.took
	}
	res.code = exitCode(t, err)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if strings.Contains(res.out, "LEFTOVER ") {
		t.Errorf("processes left behind when the launcher ended (the namespace's init saw them)")
	}
	return res
}

// nsInit is the namespaces' first process (as root): it brings up
// loopback, runs the launcher as the user, and when that has ended lists
// what is left in the PID namespace (LEFTOVER lines), before the kernel
// kills it all with the namespace: so the test sees what the launcher
// itself failed to stop. (ps runs alone: in a pipeline, a forked copy of
// this shell, not yet awk, was seen as a leftover.)
const nsInit = `ip link set lo up || exit 1
u=$0 g=$1
shift
setpriv --reuid="$u" --regid="$g" --clear-groups -- "$@"
rc=$?
sleep 0.3
procs=$(ps -e -o pid=,stat=,args=)
printf '%s\n' "$procs" | awk '$1 != 1 && $2 !~ /^Z/ && $3 != "ps" { print "LEFTOVER " $0 }'
exit $rc`

// launcherPid is run.sh's bash: with namespaces, the grandchild of
// unshare (TERM to unshare would kill all, with --kill-child, before the
// launcher cleans up).
func launcherPid(pid int) int {
	if os.Geteuid() != 0 {
		return pid
	}
	for i := 0; i < 2; i++ {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return pid
		}
		pid, _ = strconv.Atoi(f[0])
	}
	return pid
}

// nsProbe connects to 127.0.0.1:port in the network namespace netns,
// with the stand-in program's probe verb.
func nsProbe(netns, program string, port int) error {
	if os.Geteuid() != 0 {
		return exec.Command(program, "probe", strconv.Itoa(port)).Run()
	}
	return exec.Command("nsenter", "--net="+netns, filepath.Clean(program), "probe", strconv.Itoa(port)).Run()
}
