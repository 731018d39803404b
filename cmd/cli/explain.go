package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	batchtarget "github.com/transship/transship/targets/batch"
)

func (f *convertFlags) explainFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("explain", pflag.ContinueOnError)
	f.register(fs)
	fs.StringVarP(&f.to, "to", "t", "batch", "target to explain (batch)")
	f.site.register(fs)
	f.batch.register(fs)
	f.images.register(fs)
	f.fs = fs
	return fs
}

// runExplain prints what a target makes of each compose feature: the
// whole table, or, with -f, the features each service of a project uses
// and the warnings a conversion gives for it.
func runExplain(e *env, args []string) int {
	var f convertFlags
	fs := f.explainFlagSet()
	if st, ok := f.parse(e, fs, args); !ok {
		return st
	}
	target, ok := canonicalTarget(f.to)
	if !ok || target != "batch" {
		return usageError(e, fs, "explain knows the batch target (the Kubernetes mapping is in the README), not %q", f.to)
	}
	if msg := f.batch.check(fs, target, f.to); msg != "" {
		return usageError(e, fs, "%s", msg)
	}
	if !fs.Changed("file") {
		printFeatures(e.stdout, batchtarget.Features, "  ")
		return exitOK
	}
	g, ds := f.load(e)
	if g == nil || ds.HasErrors() {
		f.report(e, ds)
		return exitError
	}
	f.out = "-"
	prof, sds := f.site.load(e)
	if prof == nil || sds.HasErrors() {
		f.report(e, append(ds, sds...))
		return exitError
	}
	ds = append(ds, f.enrichImages(e, g, prof.RegistryMirrors)...)
	_, tds := f.emitBatch(e, g, prof)
	ds = append(ds, tds...)
	ds.Sort()
	for _, s := range g.Services {
		pos, _ := s.Src.Pos.MarshalText()
		fmt.Fprintf(e.stdout, "%s (%s):\n", s.Src.Path, pos)
		printFeatures(e.stdout, batchtarget.Explain(s), "  ")
		for _, d := range ds {
			if strings.HasPrefix(d.Path+".", s.Src.Path+".") {
				fmt.Fprintf(e.stdout, "  %s\n", diagLine(d))
			}
		}
		fmt.Fprintln(e.stdout)
	}
	for _, d := range ds {
		if !strings.HasPrefix(d.Path, "services.") {
			fmt.Fprintln(e.stdout, diagLine(d))
		}
	}
	if ds.HasErrors() {
		return exitError
	}
	return exitOK
}

// printFeatures writes one feature per paragraph: key, verdict and codes,
// then what the target does, indented.
func printFeatures(w io.Writer, fs []batchtarget.Feature, indent string) {
	for _, f := range fs {
		codes := ""
		if len(f.Codes) > 0 {
			codes = " (" + strings.Join(f.Codes, ", ") + ")"
		}
		fmt.Fprintf(w, "%s%s: %s%s\n%s    %s\n", indent, f.Key, f.Verdict, codes, indent, f.What)
	}
}

func diagLine(d diag.Diagnostic) string {
	pos, _ := d.Pos.MarshalText()
	return fmt.Sprintf("%s: %s[%s]: %s: %s", pos, d.Severity, d.Code, d.Path, d.Message)
}
