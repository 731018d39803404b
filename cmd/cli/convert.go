package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/cmd/output"
	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	graphtarget "github.com/transship/transship/targets/graph"
	"github.com/transship/transship/translate"
)

// targetInfo describes one output of `convert --to`.
type targetInfo struct {
	name    string
	aliases []string
	about   string
}

// targetList is what `transship targets` prints, in this order.
var targetList = []targetInfo{
	{name: "kubernetes", aliases: []string{"k8s"}, about: "Kubernetes manifests and a kustomization (site profiles: --site)"},
	{name: "helm", about: "a Helm chart: the Kubernetes manifests as templates, with values.yaml, values.schema.json and a README"},
	{name: "batch", aliases: []string{"apptainer", "singularity", "udocker"}, about: "run.sh for Apptainer/Singularity or udocker, with a Slurm, HTCondor or DIRAC job (--scheduler)"},
	{name: "cloud-init", about: "#cloud-config user-data that boots a docker VM (EGI's docker image, any OpenStack) into the app"},
	{name: "graph", about: "the intermediate graph as JSON (for debugging and bug reports)"},
}

// canonicalTarget resolves a name or alias.
func canonicalTarget(name string) (string, bool) {
	for _, t := range targetList {
		if t.name == name {
			return t.name, true
		}
		for _, a := range t.aliases {
			if a == name {
				return t.name, true
			}
		}
	}
	return "", false
}

// emit is the one switch over targets: each target is a pure function of
// the Graph and its options.
func (f *convertFlags) emit(e *env, fs *pflag.FlagSet, target string, g *translate.Graph, prof *site.Profile) ([]targets.File, diag.Diagnostics) {
	switch target {
	case "kubernetes":
		return f.emitKubernetes(e, fs, g, prof)
	case "helm":
		return f.emitHelm(e, fs, g, prof)
	case "batch":
		return f.emitBatch(e, g, prof)
	case "cloud-init":
		return f.emitCloudInit(e, g, prof)
	case "graph":
		return graphtarget.Emit(g, graphtarget.Options{})
	default: // canonicalTarget guards every call; this is a bug in the CLI
		return nil, diag.Diagnostics{{Severity: diag.Error, Code: "CLI001", Message: "internal: target " + target + " has no emitter"}}
	}
}

type convertFlags struct {
	loadFlags
	site   siteFlag
	kube   kubeFlags
	helm   helmFlags
	batch  batchFlags
	cloud  cloudFlags
	images imageFlags
	to     string
	out    string
	check  bool
	force  bool
	fs     *pflag.FlagSet
}

func runConvert(e *env, args []string) int {
	var f convertFlags
	fs := f.convertFlagSet()
	if st, ok := f.parse(e, fs, args); !ok {
		return st
	}
	return f.convert(e, fs)
}

// convertFlagSet registers convert's flags (also for completion.go).
func (f *convertFlags) convertFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("convert", pflag.ContinueOnError)
	f.register(fs)
	fs.StringVarP(&f.to, "to", "t", "", "target to generate (list them with: transship targets)")
	fs.StringVarP(&f.out, "output", "o", "", "output directory, or - for standard output (default: out/<target>)")
	fs.BoolVar(&f.check, "check", false, "write nothing; exit 1 with a diff if the output directory differs from what would be written")
	fs.BoolVar(&f.force, "force", false, "overwrite or delete files in the output directory that transship did not generate")
	f.site.register(fs)
	f.kube.register(fs)
	f.helm.register(fs)
	f.batch.register(fs)
	f.cloud.register(fs)
	f.images.register(fs)
	f.fs = fs
	return fs
}

// convert checks convert's flags and runs it.
func (f *convertFlags) convert(e *env, fs *pflag.FlagSet) int {
	if f.to == "" {
		return usageError(e, fs, "--to is required (one of: %s)", targetNames())
	}
	target, ok := canonicalTarget(f.to)
	if !ok {
		return usageError(e, fs, "unknown target %q (one of: %s)", f.to, targetNames())
	}
	if msg := f.kube.checkTarget(fs, target); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if msg := f.helm.check(fs, target, f.out); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if msg := f.batch.check(fs, target, f.to); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if msg := f.cloud.check(fs, target); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if msg := f.images.checkPrefix(target); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if _, msg := f.images.mirrorMap(nil); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if f.check && f.out == "-" {
		return usageError(e, fs, "--check compares with a directory; it cannot be used with -o -")
	}
	if f.out == "" {
		f.out = filepath.Join("out", target)
	}
	f.opts.Normalized = target == "cloud-init"
	return f.run(e, target)
}

func (f *convertFlags) run(e *env, target string) int {
	g, ds := f.load(e)
	refuseKomposeValues(target, ds)
	if g == nil || ds.HasErrors() {
		f.report(e, ds)
		return exitError
	}
	// The profile every target reads its part of, loaded once, before
	// the target switch; registry mirrors are the images' part. The graph
	// shows the project as written, with no profile.
	var prof *site.Profile
	var mirrors map[string]string
	if target != "graph" {
		var sds diag.Diagnostics
		prof, sds = f.site.load(e)
		ds = append(ds, sds...)
		if prof == nil || sds.HasErrors() {
			f.report(e, ds)
			return exitError
		}
		if target != "cloud-init" {
			mirrors = prof.RegistryMirrors
		}
	}
	if ids := atProject(f.enrichImages(e, g, mirrors), g.Dir); len(ids) > 0 {
		ds = append(ds, ids...)
		if ids.HasErrors() {
			f.report(e, ds)
			return exitError
		}
	}
	files, tds := f.emit(e, f.fs, target, g, prof)
	ds = append(ds, atProject(tds, g.Dir)...)
	if f.diagnostics == "json" {
		// One JSON document: what the writer reports joins the rest.
		if f.stops(ds) {
			f.report(e, ds)
			return exitError
		}
		st, wds := f.write(e, files)
		f.report(e, append(ds, wds...))
		return st
	}
	if f.report(e, ds) {
		return exitError
	}
	st, wds := f.write(e, files)
	for _, d := range wds {
		fmt.Fprintf(e.stderr, "transship: %s\n", d.Message)
	}
	return st
}

// atProject makes the project-relative positions of diagnostics about
// the Graph absolute, as translate.Load does for its own, so that the
// printer shows them relative to the working directory wherever the
// project is (-f /elsewhere/compose.yaml).
func atProject(ds diag.Diagnostics, dir string) diag.Diagnostics {
	for i := range ds {
		if f := ds[i].Pos.File; f != "" && dir != "" && f != diag.Stdin && !filepath.IsAbs(f) {
			ds[i].Pos.File = filepath.Join(dir, filepath.FromSlash(f))
		}
	}
	return ds
}

// stops: report would stop the conversion on ds (an error, or a warning
// under --strict).
func (f *convertFlags) stops(ds diag.Diagnostics) bool {
	for _, d := range ds {
		if d.Severity == diag.Error || f.strict && d.Severity == diag.Warning {
			return true
		}
	}
	return false
}

// Codes of the output stage.
const (
	codeWrite    = "OUT001" // the output could not be written (a file transship did not write is in the way, I/O)
	codeOutdated = "OUT002" // --check: the output directory differs from what would be written
)

// write writes, streams or checks the files; what goes wrong comes back
// as diagnostics, one per problem (the writer joins all conflicts it
// finds).
func (f *convertFlags) write(e *env, files []targets.File) (int, diag.Diagnostics) {
	var err error
	switch {
	case f.out == "-":
		err = output.Stream(e.stdout, files)
	case f.check:
		var diff string
		if diff, err = output.Check(f.out, files); err == nil && diff != "" {
			fmt.Fprint(e.stdout, diff)
			return exitError, diag.Diagnostics{{Severity: diag.Error, Code: codeOutdated, Pos: diag.Pos{File: f.out},
				Message: fmt.Sprintf("%s is out of date; run the same command without --check to update it", f.out)}}
		}
	default:
		err = output.Write(f.out, files, output.Options{Force: f.force})
	}
	if err == nil {
		return exitOK, nil
	}
	var ds diag.Diagnostics
	for _, line := range strings.Split(err.Error(), "\n") {
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Code: codeWrite, Pos: diag.Pos{File: f.out}, Message: line})
	}
	return exitError, ds
}

func targetNames() string {
	s := ""
	for i, t := range targetList {
		if i > 0 {
			s += ", "
		}
		s += t.name
	}
	return s
}
