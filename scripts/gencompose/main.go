// Command gencompose writes a synthetic compose file of N services to
// standard output, for `make bench`: gencompose 500 > /tmp/synth-500.yaml
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/transship/transship/internal/synth"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gencompose N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "gencompose: N must be a positive number")
		os.Exit(2)
	}
	os.Stdout.Write(synth.Compose(n))
}
