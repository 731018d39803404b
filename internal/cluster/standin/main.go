// Command standin stands in for the apps of the examples on the test
// cluster (internal/cluster). One static binary, installed in the image
// under several names, with a mode per name:
//
//   - server (the image's entrypoint, and any command name it does not
//     know): prints one line "STANDIN {json}" to stdout with what it saw
//     (argv, env, cwd, uid/gid, the files it was told to read with their
//     content and modes, whether a ServiceAccount token is mounted), then
//     listens on its workload's TCP and UDP ports and answers every
//     connection and datagram with "standin HOST PORT"; a one-shot
//     workload (a Job) exits 0 instead.
//   - probe (pg_isready, curl, wget, redis-cli, healthcheck.sh, and any
//     command whose arguments mention health, ping or isready): what a
//     healthcheck calls. It fails until the container's first process has
//     run for the workload's healthyAfter seconds: a dependency that turns
//     healthy late, to show that dependents wait for it.
//   - nc: `nc -z [-u] [-w N] HOST PORT`, what the wait containers run
//     (Debian's busybox-static nc has no -z; the official busybox image's
//     has). With -u it sends a datagram and needs an answer.
//   - dial (`standin dial HOST:PORT/tcp|udp...`): the suite's client, from
//     a pod; retries each target for up to a minute.
//
// What each workload is comes from /standin.json, written by the harness
// from the manifests: a map from workload name to its role; a pod picks the
// entry its hostname starts with.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/transship/transship/internal/cluster/standin/role"
)

const tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	switch {
	case name == "nc":
		os.Exit(nc(args))
	case name == "standin" && len(args) > 0 && args[0] == "dial":
		os.Exit(dial(args[1:]))
	case isProbe(name, args) && !underApp():
		os.Exit(probe(name, args))
	}
	serve()
}

// underApp: this process is the container's main process (PID 1) or runs
// under it, as `curl` does in fetch's `sh -euc SCRIPT`: it is the app. A
// healthcheck is exec'd into the container by the runtime, so its chain
// of parents ends at 0 (outside the PID namespace) without passing PID 1.
func underApp() bool {
	pid := os.Getpid()
	for range 64 {
		if pid == 1 {
			return true
		}
		if pid <= 0 {
			return false
		}
		pid = parentOf(pid)
	}
	return false
}

// parentOf reads the parent's PID from /proc/PID/stat ("PID (COMM) S
// PPID ..."; COMM may hold spaces and parentheses, so read after the
// last ")"). 0 when it cannot be read.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// isProbe tells a healthcheck's call from a service's command.
func isProbe(name string, args []string) bool {
	switch name {
	case "pg_isready", "curl", "wget", "redis-cli", "healthcheck.sh":
		return true
	}
	for _, a := range args {
		l := strings.ToLower(a)
		if strings.Contains(l, "health") || l == "ping" || strings.Contains(l, "isready") {
			return true
		}
	}
	return false
}

// config returns this pod's workload entry: the longest name the hostname
// starts with (followed by "-"), or all entries merged.
func config() (string, role.Workload) {
	var all map[string]role.Workload
	data, err := os.ReadFile("/standin.json")
	if err == nil {
		err = json.Unmarshal(data, &all)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin: /standin.json:", err)
	}
	host, _ := os.Hostname()
	if best := role.Match(all, host); best != "" {
		return best, all[best]
	}
	var m role.Workload
	m.OneShot = len(all) > 0
	for _, w := range all {
		m.Ports = append(m.Ports, w.Ports...)
		m.Files = append(m.Files, w.Files...)
		m.OneShot = m.OneShot && w.OneShot
		m.HealthyAfter = max(m.HealthyAfter, w.HealthyAfter)
	}
	return "", m
}

func serve() {
	name, w := config()
	r := role.Report{Workload: name, Argv: os.Args, Env: os.Environ(), UID: os.Getuid(), GID: os.Getgid(),
		Files: map[string]role.File{}}
	r.Cwd, _ = os.Getwd()
	r.Groups, _ = os.Getgroups()
	_, err := os.Stat(tokenPath)
	r.Token = err == nil
	for _, p := range w.Files {
		readFiles(p, r.Files)
	}
	data, _ := json.Marshal(r)
	fmt.Printf("STANDIN %s\n", data)
	if w.OneShot {
		return
	}
	host, _ := os.Hostname()
	for _, p := range w.Ports {
		p := p
		if strings.EqualFold(p.Protocol, "UDP") {
			go serveUDP(host, p.Port)
		} else {
			go serveTCP(host, p.Port)
		}
	}
	// Wait for SIGTERM; a bare select{} with no ports to serve is a
	// deadlock the runtime kills.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

// readFiles records path, or every file under it (without the "..data"
// links of ConfigMap and Secret volumes), following symlinks.
func readFiles(path string, out map[string]role.File) {
	fi, err := os.Stat(path)
	if err != nil {
		out[path] = role.File{Error: err.Error()}
		return
	}
	if !fi.IsDir() {
		data, err := os.ReadFile(path)
		f := role.File{Mode: fmt.Sprintf("%04o", fi.Mode().Perm()), Content: base64.StdEncoding.EncodeToString(data)}
		if err != nil {
			f.Error = err.Error()
		}
		out[path] = f
		return
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") {
			readFiles(filepath.Join(path, e.Name()), out)
		}
	}
}

func serveTCP(host string, port int) {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return
	}
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer c.Close()
			// An answer both nc and an HTTP client read. Then the request
			// is read to its end: closing with it unread would reset the
			// connection, which the kubelet's HTTP probe counts as a failure.
			fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nstandin %s %d\n", host, port)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.Copy(io.Discard, c)
		}()
	}
}

func serveUDP(host string, port int) {
	c, err := net.ListenPacket("udp", ":"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return
	}
	buf := make([]byte, 2048)
	for {
		_, from, err := c.ReadFrom(buf)
		if err == nil {
			c.WriteTo([]byte(fmt.Sprintf("standin %s %d\n", host, port)), from)
		}
	}
}

// probe succeeds once PID 1 (the server) has run for healthyAfter seconds.
func probe(name string, args []string) int {
	_, w := config()
	if up := pid1Uptime(); up < time.Duration(w.HealthyAfter)*time.Second {
		fmt.Fprintf(os.Stderr, "standin %s: not healthy yet (up %v of %ds)\n", name, up.Round(time.Second), w.HealthyAfter)
		return 1
	}
	if name == "redis-cli" {
		fmt.Println("PONG")
	}
	return 0
}

// pid1Uptime is how long the container's first process has run, from
// /proc/uptime and field 22 of /proc/1/stat (start time in clock ticks,
// 100 a second on Linux).
func pid1Uptime() time.Duration {
	up, err1 := os.ReadFile("/proc/uptime")
	st, err2 := os.ReadFile("/proc/1/stat")
	if err1 != nil || err2 != nil {
		return 0
	}
	sys, _ := strconv.ParseFloat(strings.Fields(string(up))[0], 64)
	s := string(st)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return 0
	}
	ticks, _ := strconv.ParseFloat(fields[19], 64)
	return time.Duration((sys - ticks/100) * float64(time.Second))
}

// nc implements `nc -z [-u] [-w N] HOST PORT`; without -z it connects and
// copies the answer to stdout.
func nc(args []string) int {
	zero, udp, wait := false, false, 5*time.Second
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-z":
			zero = true
		case a == "-u":
			udp = true
		case a == "-zu" || a == "-uz":
			zero, udp = true, true
		case a == "-w" && i+1 < len(args):
			n, _ := strconv.Atoi(args[i+1])
			wait = time.Duration(n) * time.Second
			i++
		case strings.HasPrefix(a, "-w"):
			n, _ := strconv.Atoi(a[2:])
			wait = time.Duration(n) * time.Second
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) != 2 {
		fmt.Fprintln(os.Stderr, "usage: nc [-z] [-u] [-w SEC] HOST PORT")
		return 2
	}
	reply, err := connect(rest[0], rest[1], udp, wait)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nc:", err)
		return 1
	}
	if !zero {
		fmt.Print(reply)
	}
	return 0
}

// connect opens a TCP connection (and reads what the peer says), or sends
// a UDP datagram and waits for the answer.
func connect(host, port string, udp bool, wait time.Duration) (string, error) {
	network := "tcp"
	if udp {
		network = "udp"
	}
	c, err := net.DialTimeout(network, net.JoinHostPort(host, port), wait)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	if udp {
		if _, err := c.Write([]byte("ping\n")); err != nil {
			return "", err
		}
		buf := make([]byte, 2048)
		n, err := c.Read(buf)
		return string(buf[:n]), err
	}
	var b strings.Builder
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String(), nil
}

// dial checks HOST:PORT/PROTO targets, each retried for up to a minute,
// and prints one line per target.
func dial(targets []string) int {
	code := 0
	for _, t := range targets {
		hp, proto, _ := strings.Cut(t, "/")
		host, port, _ := strings.Cut(hp, ":")
		deadline := time.Now().Add(time.Minute)
		for {
			reply, err := connect(host, port, proto == "udp", 3*time.Second)
			// "open": a real app (an example running busybox itself)
			// speaks its own protocol; an accepted connection through the
			// Service is the proof (kube-proxy rejects one with no ready
			// endpoint).
			if err == nil && (strings.Contains(reply, "standin ") || proto == "open") {
				fmt.Printf("ok %s %s\n", t, strings.TrimSpace(lastLine(reply)))
				break
			}
			if time.Now().After(deadline) {
				fmt.Printf("FAIL %s %v %q\n", t, err, reply)
				code = 1
				break
			}
			time.Sleep(time.Second)
		}
	}
	return code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
