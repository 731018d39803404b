package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/targets"
	batchtarget "github.com/transship/transship/targets/batch"
	cloudtarget "github.com/transship/transship/targets/cloudinit"
	k8starget "github.com/transship/transship/targets/kubernetes"
)

func (f *convertFlags) explainFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("explain", pflag.ContinueOnError)
	f.register(fs)
	fs.StringVarP(&f.to, "to", "t", "batch", "target to explain: batch, kubernetes, helm or cloud-init")
	f.site.register(fs)
	f.kube.register(fs)
	f.batch.register(fs)
	f.cloud.register(fs)
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
	target, _ := canonicalTarget(f.to)
	if target == "helm" {
		// The chart renders the Kubernetes target's decisions and gives
		// its warnings (targets/helm has no codes of its own).
		fmt.Fprintln(e.stdout, "helm: a chart of the Kubernetes target's objects; what follows is that target's table.")
		target = "kubernetes"
	}
	table, ok := featureTables[target]
	if !ok {
		return usageError(e, fs, "explain knows batch, kubernetes, helm and cloud-init, not %q", f.to)
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
	if !fs.Changed("file") {
		printFeatures(e.stdout, table, "  ")
		return exitOK
	}
	f.opts.Normalized = target == "cloud-init"
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
	_, tds := f.emit(e, fs, target, g, prof)
	ds = append(ds, tds...)
	ds.Sort()
	for _, s := range g.Services {
		pos, _ := s.Src.Pos.MarshalText()
		fmt.Fprintf(e.stdout, "%s (%s):\n", s.Src.Path, pos)
		feature := func(string) string { return "" }
		if target == "batch" { // its table is per service too
			printFeatures(e.stdout, batchtarget.Explain(s), "  ")
		} else {
			feature = func(code string) string { return featureOf(table, code) }
		}
		for _, d := range ds {
			if strings.HasPrefix(d.Path+".", s.Src.Path+".") {
				fmt.Fprintf(e.stdout, "  %s%s\n", feature(d.Code), diagLine(d))
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

// featureTables are the targets' explain tables: the same ones their
// tests keep in step with the codes their emitters give.
var featureTables = map[string][]targets.Feature{
	"batch":      batchtarget.Features,
	"kubernetes": k8starget.Features,
	"cloud-init": cloudtarget.Features,
}

// featureOf names the feature of table a diagnostic code belongs to, as
// "KEY (VERDICT): ".
func featureOf(table []targets.Feature, code string) string {
	for _, f := range table {
		if slices.Contains(f.Codes, code) {
			return f.Key + " (" + f.Verdict + "): "
		}
	}
	return ""
}

// printFeatures writes one feature per paragraph: key, verdict and codes,
// then what the target does, indented.
func printFeatures(w io.Writer, fs []targets.Feature, indent string) {
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
