// Command transship converts docker-compose projects into Kubernetes
// manifests, batch jobs and cloud-init user-data. See README.md.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/transship/transship/cmd/cli"
	"github.com/transship/transship/cmd/output"
)

func main() {
	// The garbage collector is paced to the input (memory.go).
	initMemory()
	cli.InputSized = sizeMemory
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
