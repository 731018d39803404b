package main

// Example mode: in an image with /standin.json (internal/standin.Config),
// the stand-in plays the services of a shipped example. It is linked under
// every program name the example runs (pg_isready, redis-cli, curl, the
// entrypoints...), and tells what it is asked to be from its argv:
//
//   - a service's own command (its argv is a Service.Argv): record what
//     it saw on one "STANDIN {json}" line, then either exit with
//     Service.Exit (a one-shot service) or, after Service.HealthyAfterMS,
//     listen on Service.Ports until TERM;
//   - a service's healthcheck (argv is, or a shell healthcheck names,
//     Service.Health): exit 0 once the service is healthy, that is once
//     its first port accepts connections, or, with no port,
//     HealthyAfterMS after the launcher prepared the service (the mtime
//     of the /etc/hosts it binds for that service);
//   - curl or wget called by a script: fetch a URL from a project service,
//     or, for any other host (the tests have no network), write a
//     placeholder to the output file.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/transship/transship/internal/standin/config"
)

const configPath = "/standin.json"

// hostsPath is the /etc/hosts the launcher binds for each service; a
// variable for the test of healthyFrom.
var hostsPath = "/etc/hosts"

func exampleMode() bool {
	_, err := os.Stat(configPath)
	return err == nil
}

func runExample() {
	var c config.Config
	b, err := os.ReadFile(configPath)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		fail(configPath + ": " + err.Error())
	}
	name := filepath.Base(os.Args[0])
	if s := c.ByArgv(os.Args); s != nil {
		service(s)
		return
	}
	if s := c.ByHealth(os.Args); s != nil {
		os.Exit(probeService(s, name))
	}
	switch name {
	case "curl", "wget":
		// Called by a service's script: report for that service first.
		if s := c.ByScript(name); s != nil {
			report(s)
		}
		os.Exit(fetch(name, os.Args[1:]))
	}
	fmt.Fprintf(os.Stderr, "stand-in: %q is no service's command or healthcheck here\n", os.Args)
	os.Exit(127)
}

// service records, then serves or exits.
func service(s *config.Service) {
	report(s)
	if s.OneShot {
		os.Exit(s.Exit)
	}
	serveUntilTERM(s, make(chan os.Signal, 1))
}

// report prints what the stand-in saw, and what its dials got, as one
// STANDIN line.
func report(s *config.Service) {
	r := config.Record{Service: s.Name, Argv: os.Args, Env: map[string]string{}, UID: os.Getuid(), GID: os.Getgid(),
		Files: map[string]string{}, Writes: map[string]string{}, Dials: map[string]string{}, Start: time.Now()}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		r.Env[k] = v
	}
	r.Cwd, _ = os.Getwd()
	for _, f := range s.Files {
		readTree(f, r.Files)
	}
	for _, d := range s.Writes {
		p := filepath.Join(d, ".standin-"+s.Name)
		if err := os.WriteFile(p, []byte(s.Name+"\n"), 0o644); err != nil {
			r.Writes[d] = err.Error()
		} else {
			r.Writes[d] = "ok"
		}
	}
	// A dependency the launcher waited for answers at once; others get
	// some time, as they may still be starting.
	for _, d := range s.Dials {
		r.Dials[d.Addr] = dial(d.Addr, d.Wait)
	}
	r.HealthyFrom = healthyFrom(s, r.Start)
	b, _ := json.Marshal(r)
	fmt.Fprintf(os.Stderr, "STANDIN %s\n", b)
}

// serveUntilTERM: after HealthyAfterMS, listen on the ports.
func serveUntilTERM(s *config.Service, terms chan os.Signal) {
	signal.Notify(terms, syscall.SIGTERM, syscall.SIGINT)
	time.Sleep(time.Duration(s.HealthyAfterMS) * time.Millisecond)
	for _, p := range s.Ports {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", p))
		if err != nil {
			fmt.Println("stand-in:", err)
			os.Exit(1)
		}
		fmt.Println("listening on port", p)
		go answer(l, s.Name, p)
	}
	<-terms
	fmt.Println("got TERM, stopping")
}

// answer replies to HTTP requests (curl, wget, busybox wget) with 200 and
// to anything else with one line.
func answer(l net.Listener, name string, port int) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			body := fmt.Sprintf("standin %s %d\n", name, port)
			if strings.Contains(line, "HTTP/") {
				fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				return
			}
			io.WriteString(c, body)
		}()
	}
}

// dial connects to addr (retrying for up to wait) and returns the line
// the other side wrote, or the error.
func dial(addr string, wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			fmt.Fprintf(c, "hello\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			return strings.TrimSpace(line)
		}
		if time.Now().After(deadline) {
			return "ERROR: " + err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// healthyFrom is the earliest probeService can pass for s, which
// started at start: it listens HealthyAfterMS after its start at the
// soonest; without ports, the probe counts from /etc/hosts's mtime.
func healthyFrom(s *config.Service, start time.Time) time.Time {
	after := time.Duration(s.HealthyAfterMS) * time.Millisecond
	if fi, err := os.Stat(hostsPath); err == nil && len(s.Ports) == 0 {
		return fi.ModTime().Add(after)
	}
	return start.Add(after)
}

// probeService is a healthcheck of s.
func probeService(s *config.Service, name string) int {
	if len(s.Ports) > 0 {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Ports[0]), time.Second)
		if err != nil {
			return 1
		}
		c.Close()
	} else {
		fi, err := os.Stat(hostsPath)
		if err != nil || time.Since(fi.ModTime()) < time.Duration(s.HealthyAfterMS)*time.Millisecond {
			return 1
		}
	}
	if name == "redis-cli" {
		fmt.Println("PONG") // `redis-cli ping | grep -q PONG`
	}
	return 0
}

// readTree records the file at p, or the files under it.
func readTree(p string, into map[string]string) {
	fi, err := os.Stat(p)
	if err != nil {
		into[p] = "ERROR: " + err.Error()
		return
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(p)
		if err != nil {
			into[p] = "ERROR: " + err.Error()
		} else {
			into[p] = string(b)
		}
		return
	}
	ents, _ := os.ReadDir(p)
	names := []string{}
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for i, n := range names {
		if i >= 50 || strings.HasPrefix(n, ".standin-") {
			continue
		}
		readTree(filepath.Join(p, n), into)
	}
}

// fetch is curl or wget: -o/--output/-O FILE, one URL.
func fetch(name string, args []string) int {
	var out, raw string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "-o" || a == "--output" || a == "-O") && i+1 < len(args):
			out = args[i+1]
			i++
		case strings.Contains(a, "://"):
			raw = a
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		fmt.Fprintf(os.Stderr, "%s (stand-in): no URL in %q\n", name, args)
		return 2
	}
	fmt.Fprintf(os.Stderr, "STANDIN-FETCH %s\n", raw)
	var body string
	host := u.Hostname()
	if isLocal(host) {
		port := u.Port()
		if port == "" {
			port = "80"
		}
		reply := dial(net.JoinHostPort(host, port), 0)
		if strings.HasPrefix(reply, "ERROR") {
			fmt.Fprintf(os.Stderr, "%s (stand-in): %s\n", name, reply)
			return 7
		}
		body = reply + "\n"
	} else {
		// No network in the tests: what the job fetches from outside
		// is a placeholder of three lines.
		body = "placeholder,line\n1,a\n2,b\n"
	}
	if out == "" || out == "-" {
		fmt.Print(body)
		return 0
	}
	if err := os.WriteFile(out, []byte(body), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "%s (stand-in): %v\n", name, err)
		return 23
	}
	return 0
}

// isLocal: localhost, a loopback address, or a name /etc/hosts maps to
// loopback (the project's services).
func isLocal(host string) bool {
	if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
		return true
	}
	b, _ := os.ReadFile("/etc/hosts")
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && strings.HasPrefix(f[0], "127.") {
			for _, n := range f[1:] {
				if n == host {
					return true
				}
			}
		}
	}
	return false
}
