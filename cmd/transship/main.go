// Command transship converts docker-compose projects into Kubernetes
// manifests, batch jobs and cloud-init user-data. See README.md.
package main

import (
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/transship/transship/cmd/cli"
	"github.com/transship/transship/cmd/output"
)

func main() {
	// transship is a short-lived process that allocates a lot while
	// compose-go loads a project and frees nothing worth collecting before
	// it exits: collecting less often saves a fifth of its CPU on large
	// files (see `make bench`). A soft memory limit keeps huge inputs safe.
	if os.Getenv("GOGC") == "" { // a user's GOGC still wins
		debug.SetGCPercent(300)
	}
	debug.SetMemoryLimit(2 << 30)
	// Ctrl-C or SIGTERM during a write leaves nothing behind (output.Interrupt).
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		output.Interrupt()
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	os.Exit(cli.Run(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}
