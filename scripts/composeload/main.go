// Command composeload loads a compose file with compose-go alone and
// discards the result: the floor `make bench` compares transship with.
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
	o, err := cli.NewProjectOptions(os.Args[1:], cli.WithEnv(nil), cli.WithResolvedPaths(true),
		cli.WithLoadOptions(func(lo *loader.Options) { lo.MaxNodeVisits = 1 << 30 }))
	if err == nil {
		_, err = o.LoadProject(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
