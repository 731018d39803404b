// Command gencompose writes a synthetic compose file of N services to
// standard output, for `make bench`: gencompose 500 > /tmp/synth-500.yaml.
// With -triples it writes the file of ../shared/bench/gen-compose.py
// (web/db/cache triples) instead of synth's corpus-like services.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/transship/transship/internal/synth"
)

func main() {
	args, gen := os.Args[1:], synth.Compose
	if len(args) > 0 && args[0] == "-triples" {
		args, gen = args[1:], synth.Triples
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: gencompose [-triples] N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "gencompose: N must be a positive number")
		os.Exit(2)
	}
	os.Stdout.Write(gen(n))
}
