package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/schema"
	"github.com/transship/transship/site"
)

// runGraph prints the Graph as JSON: `convert --to graph -o -`.
func runGraph(e *env, args []string) int {
	var f convertFlags
	fs := f.graphFlagSet()
	if st, ok := f.parse(e, fs, args); !ok {
		return st
	}
	f.out = "-"
	return f.run(e, "graph")
}

func (f *convertFlags) graphFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("graph", pflag.ContinueOnError)
	f.register(fs)
	f.images.register(fs)
	f.fs = fs
	return fs
}

func runTargets(e *env, args []string) int {
	fs := pflag.NewFlagSet("targets", pflag.ContinueOnError)
	if st, ok := parseNoArgs(e, fs, args); !ok {
		return st
	}
	fmt.Fprintln(e.stdout, "Targets (convert --to NAME):")
	for _, t := range targetList {
		about := t.about
		if len(t.aliases) > 0 {
			about += "; also --to " + strings.Join(t.aliases, ", ")
		}
		fmt.Fprintf(e.stdout, "  %-22s %s\n", t.name, about)
	}
	fmt.Fprintln(e.stdout, "\nSite profiles (convert --site NAME, or an HCL file extending one):")
	for _, p := range site.Builtins() {
		first, _, _ := strings.Cut(p.Description, ". ")
		fmt.Fprintf(e.stdout, "  %-22s %s\n", p.Name, strings.TrimSuffix(first, "."))
	}
	return exitOK
}

// schemas are the JSON Schemas `transship schema NAME` prints.
var schemas = map[string][]byte{"x-transship": schema.XTransship, "site": schema.Site}

func runSchema(e *env, args []string) int {
	fs := pflag.NewFlagSet("schema", pflag.ContinueOnError)
	if st, ok := parse(e, fs, args); !ok {
		return st
	}
	name := "x-transship"
	switch fs.NArg() {
	case 0:
	case 1:
		name = fs.Arg(0)
	default:
		return usageError(e, fs, "expected at most one schema name")
	}
	s, ok := schemas[name]
	if !ok {
		return usageError(e, fs, "unknown schema %q (known: site, x-transship)", name)
	}
	e.stdout.Write(s)
	return exitOK
}

func runVersion(e *env, args []string) int {
	fs := pflag.NewFlagSet("version", pflag.ContinueOnError)
	if st, ok := parseNoArgs(e, fs, args); !ok {
		return st
	}
	bi, _ := debug.ReadBuildInfo()
	version, goVersion := versionOf(bi)
	fmt.Fprintf(e.stdout, "transship %s %s\n", version, goVersion)
	return exitOK
}

// versionOf is the module version of a released build (go install
// ...@v1.2.3), else the VCS revision the binary was built from, with
// "-dirty" when the tree had changes; "(devel)" when neither is known
// (go run, go test).
func versionOf(bi *debug.BuildInfo) (version, goVersion string) {
	if bi == nil {
		return "(devel)", ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v, bi.GoVersion
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "(devel)", bi.GoVersion
	}
	return "devel-" + rev[:min(12, len(rev))] + dirty, bi.GoVersion
}
