package slurm

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// markedProcs returns the processes whose environment has markerVar set to
// a directory match accepts, and all their descendants (a job that clears
// its environment is still slurmstepd's descendant). Not this process.
func markedProcs(match func(dir string) bool) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	var todo []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if ppid := parentPID(pid); ppid > 0 {
			children[ppid] = append(children[ppid], pid)
		}
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ") // empty for zombies
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if dir, ok := bytes.CutPrefix(kv, []byte(markerVar+"=")); ok && match(string(dir)) {
				todo = append(todo, pid)
			}
		}
	}
	seen := map[int]bool{}
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if !seen[pid] && pid != os.Getpid() {
			seen[pid] = true
			todo = append(todo, children[pid]...)
		}
	}
	var pids []int
	for pid := range seen {
		pids = append(pids, pid)
	}
	return pids
}

// parentPID reads the parent's pid from /proc/PID/stat ("pid (comm) state
// ppid ...", comm may hold spaces and parentheses), or 0.
func parentPID(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func kill(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

// leftovers are the live processes of user uid that markedProcs finds
// for match (the processes of a cluster's jobs and what they started),
// zombies left out: they run nothing.
func leftovers(uid int, match func(dir string) bool) []Proc {
	var out []Proc
	for _, pid := range markedProcs(match) {
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+strconv.Itoa(pid), &st) != nil || int(st.Uid) != uid || procState(pid) == 'Z' {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		out = append(out, Proc{PID: pid, Cmd: strings.TrimSpace(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))})
	}
	slices.SortFunc(out, func(a, b Proc) int { return a.PID - b.PID })
	return out
}

// procState is the state letter of /proc/PID/stat, or 0.
func procState(pid int) byte {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if i := bytes.LastIndexByte(stat, ')'); err == nil && i >= 0 && i+2 < len(stat) {
		return stat[i+2]
	}
	return 0
}
