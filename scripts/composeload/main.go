// Command composeload loads a compose file with compose-go alone and
// discards the result: the floor `make bench` compares transship with.
// With -no-check as first argument it skips compose-go's consistency
// check (cubic on depends_on chains), which transship replaces with its
// own linear one.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
)

func main() {
	// The node-visit cap is raised as transship raises it, so 5,000
	// services load at all.
	files, skip := os.Args[1:], false
	if len(files) > 0 && files[0] == "-no-check" {
		files, skip = files[1:], true
	}
	o, err := cli.NewProjectOptions(files, cli.WithEnv(nil), cli.WithResolvedPaths(true),
		cli.WithLoadOptions(func(lo *loader.Options) {
			lo.MaxNodeVisits = 1 << 30
			lo.SkipConsistencyCheck = skip
		}))
	if err == nil {
		_, err = o.LoadProject(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
