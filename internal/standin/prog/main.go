// Command prog is the stand-in service of the real-runtime tests
// (internal/standin builds it into images): a TEST PROGRAM standing in
// for a project's real images, which do not exist without a registry. It
// serves, probes or calls a TCP port, and records what it saw (argv, env,
// cwd, uid, the files it was asked to read) as JSON into a directory the
// test reads back after the job.
//
//	prog serve PORT RECORD_DIR      listen on PORT (after STANDIN_DELAY_MS), until TERM
//	prog probe PORT                 exit 0 when PORT accepts a connection
//	prog call HOST:PORT RECORD_DIR [FILE...]  connect, read a line, record, exit $STANDIN_EXIT
//
// In an image with /standin.json it plays the services of an example
// instead (example.go).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Record is what a stand-in saw; the tests decode it.
type Record struct {
	Args  []string          `json:"args"`
	Env   map[string]string `json:"env"`
	Cwd   string            `json:"cwd"`
	UID   int               `json:"uid"`
	Files map[string]string `json:"files,omitempty"`
	Reply string            `json:"reply,omitempty"`
}

func main() {
	if exampleMode() {
		runExample()
		return
	}
	if len(os.Args) < 3 {
		fail("usage: prog serve|probe|call ...")
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2], arg(3))
	case "probe":
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+os.Args[2], time.Second)
		if err != nil {
			os.Exit(1)
		}
		c.Close()
	case "call":
		call(os.Args[2], arg(3), os.Args[4:])
	default:
		fail("unknown verb " + os.Args[1])
	}
}

func arg(i int) string {
	if i >= len(os.Args) {
		fail("missing argument")
	}
	return os.Args[i]
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "stand-in:", msg)
	os.Exit(2)
}

// serve listens late (STANDIN_DELAY_MS), so that a launcher that does not
// wait for the healthcheck starts the next service too early.
func serve(port, dir string) {
	record(dir, "serve", nil, "")
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	if ms, err := strconv.Atoi(os.Getenv("STANDIN_DELAY_MS")); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fail(err.Error())
	}
	fmt.Println("serving on port", port)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "hello from", os.Args[0])
			c.Close()
		}
	}()
	<-terms
	fmt.Println("got TERM, stopping")
	// A file the test checks: the service saw its stop signal.
	os.WriteFile(filepath.Join(dir, "serve.stopped"), nil, 0o644)
}

func call(addr, dir string, files []string) {
	var reply string
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		fmt.Println("call failed:", err)
	} else {
		reply, _ = bufio.NewReader(c).ReadString('\n')
		c.Close()
	}
	record(dir, "call", files, strings.TrimSpace(reply))
	fmt.Println("called", addr+":", strings.TrimSpace(reply))
	code, _ := strconv.Atoi(os.Getenv("STANDIN_EXIT"))
	os.Exit(code)
}

// record writes NAME.json into dir.
func record(dir, name string, files []string, reply string) {
	r := Record{Args: os.Args, Env: map[string]string{}, UID: os.Getuid(), Reply: reply}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		r.Env[k] = v
	}
	r.Cwd, _ = os.Getwd()
	if len(files) > 0 {
		r.Files = map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				r.Files[f] = "ERROR: " + err.Error()
			} else {
				r.Files[f] = string(b)
			}
		}
	}
	b, _ := json.MarshalIndent(r, "", " ")
	if err := os.WriteFile(filepath.Join(dir, name+".json"), b, 0o644); err != nil {
		fail(err.Error())
	}
}
