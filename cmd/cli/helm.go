package cli

import (
	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	helmtarget "github.com/transship/transship/targets/helm"
	"github.com/transship/transship/translate"
)

// helmFlags are convert's flags for the Helm chart; it reads the
// Kubernetes target's too, but --namespace (a chart takes the release's).
type helmFlags struct {
	chartVersion string
}

func (h *helmFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&h.chartVersion, "chart-version", helmtarget.DefaultChartVersion, "version of the Helm chart (--to helm)")
}

// check refuses what a chart cannot take.
func (h *helmFlags) check(fs *pflag.FlagSet, target, out string) string {
	switch {
	case target != "helm" && fs.Changed("chart-version"):
		return "--chart-version applies only to --to helm"
	case target == "helm" && fs.Changed("namespace"):
		return "--namespace does not apply to --to helm: a chart installs into the release's namespace (helm install -n NAMESPACE)"
	case target == "helm" && fs.Changed("create-namespace"):
		return "--create-namespace does not apply to --to helm: a chart writes no Namespace (helm install --create-namespace makes it)"
	case target == "helm" && out == "-":
		return "--to helm writes a chart directory; -o - cannot stream one (write it with -o DIR, then: helm template NAME DIR)"
	}
	return ""
}

// emitHelm runs the chart with the Kubernetes target's options.
func (f *convertFlags) emitHelm(e *env, fs *pflag.FlagSet, g *translate.Graph, prof *site.Profile) ([]targets.File, diag.Diagnostics) {
	o := f.kubeOptions(e, fs, g, prof) // its Namespace is empty: check refused --namespace
	// The values files of the other sites take the same site flags
	// (--domain and the like) as the chart's own values.
	sites := helmtarget.BuiltinSites(func(k *site.Kubernetes) { f.kube.apply(fs, k) })
	return helmtarget.Emit(g, helmtarget.Options{Kubernetes: o, ChartVersion: f.helm.chartVersion, Sites: sites})
}
