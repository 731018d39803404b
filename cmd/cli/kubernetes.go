package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	k8starget "github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// kubeFlags are convert's flags for the Kubernetes target; the site
// profile gives the defaults, these override it.
type kubeFlags struct {
	namespace       string
	expose          []string
	domain          string
	networkPolicies bool
	secretsFromEnv  bool
	createNamespace bool
	tls             bool
	envFromCM       bool
}

// kubeOnly are the flags only the Kubernetes target reads.
var kubeOnly = []string{"namespace", "expose", "domain", "network-policies", "secrets-from-env", "create-namespace", "tls", "env-from-configmap"}

func (k *kubeFlags) register(fs *pflag.FlagSet) {
	// The two site-decided switches default to false only so that pflag
	// does not print "(default true)" after "default from the site
	// profile": apply takes them only when given (fs.Changed).
	fs.StringVar(&k.namespace, "namespace", "", "Kubernetes namespace of every object (default: x-transship namespace, else none)")
	fs.StringSliceVar(&k.expose, "expose", nil, "services to expose through an Ingress (repeatable or comma-separated; * = every service with a published port)")
	fs.StringVar(&k.domain, "domain", "", "domain for Ingress hosts without one: <service>.<domain> (e.g. 203.0.113.7.nip.io)")
	fs.BoolVar(&k.networkPolicies, "network-policies", false, "emit NetworkPolicies for compose networks (default from the site profile)")
	fs.BoolVar(&k.secretsFromEnv, "secrets-from-env", false, "embed secrets that compose takes from environment variables into Secret manifests")
	fs.BoolVar(&k.createNamespace, "create-namespace", false, "write the Namespace object; false where users cannot create namespaces (default from the site profile)")
	fs.BoolVar(&k.envFromCM, "env-from-configmap", false, "one ConfigMap per env_file, read with envFrom, instead of inlining its variables")
	fs.BoolVar(&k.tls, "tls", false, "TLS on every Ingress (those of --expose too), with the site's certificate issuer")
}

// secretsMode is --secrets (registered with cloud-init's flags: one flag,
// each target its own values): embed, the default, or external.
func secretsMode(fs *pflag.FlagSet) string {
	if f := fs.Lookup("secrets"); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	return "embed"
}

// checkTarget refuses Kubernetes flags with another target.
func (k *kubeFlags) checkTarget(fs *pflag.FlagSet, target string) string {
	if target == "kubernetes" || target == "helm" { // helmFlags.check refuses --namespace
		switch mode := secretsMode(fs); {
		case mode != "embed" && mode != "external":
			return fmt.Sprintf("unknown --secrets %q (one of: embed, external)", mode)
		case mode == "external" && k.secretsFromEnv:
			return "--secrets external keeps secrets out of the output; --secrets-from-env would write them in"
		}
		return ""
	}
	for _, n := range kubeOnly {
		if fs.Changed(n) {
			return "--" + n + " applies only to --to kubernetes"
		}
	}
	return ""
}

// apply puts the flags given over the site's kubernetes part.
func (k *kubeFlags) apply(fs *pflag.FlagSet, s *site.Kubernetes) {
	if k.domain != "" {
		s.Domain = k.domain
	}
	if fs.Changed("network-policies") {
		s.NetworkPolicies = k.networkPolicies
	}
	if fs.Changed("create-namespace") {
		s.CreateNamespace = k.createNamespace
	}
}

// emitKubernetes gathers what the pure target needs from the edges (the
// site profile, the project files it may embed, secret values when asked)
// and runs it.
func (f *convertFlags) emitKubernetes(e *env, fs *pflag.FlagSet, g *translate.Graph, prof *site.Profile) ([]targets.File, diag.Diagnostics) {
	files, ds := k8starget.Emit(g, f.kubeOptions(e, fs, g, prof))
	if f.out == "-" {
		files = dropFile(files, k8starget.Kustomization)
	}
	return files, ds
}

// kubeOptions are the Kubernetes target's options, which the Helm chart
// reads too.
func (f *convertFlags) kubeOptions(e *env, fs *pflag.FlagSet, g *translate.Graph, prof *site.Profile) k8starget.Options {
	o := k8starget.Options{Site: prof.Kubernetes, Namespace: f.kube.namespace, Expose: f.kube.expose, ExternalSecrets: secretsMode(fs) == "external", TLS: f.kube.tls, EnvFromConfigMap: f.kube.envFromCM,
		ImagePrefix: f.images.prefix}
	f.kube.apply(fs, &o.Site)
	o.Files, o.Dirs = translate.ReadEmbeddable(g, f.outputDirs(e)...)
	if f.kube.secretsFromEnv {
		o.SecretValues = secretValues(g, e.environ)
	}
	return o
}

// outputDirs is the absolute output directory, none for -o -: project
// directories holding it are not embedded (translate.ReadProjectDirs).
func (f *convertFlags) outputDirs(e *env) []string {
	if f.out == "-" {
		return nil
	}
	if filepath.IsAbs(f.out) {
		return []string{f.out}
	}
	return []string{filepath.Join(e.cwd, f.out)}
}

// secretValues reads the variables environment secrets name, from the
// same environment the project was loaded with.
func secretValues(g *translate.Graph, environ []string) map[string][]byte {
	vals := map[string][]byte{}
	for _, s := range g.Secrets {
		if s.EnvVar == "" {
			continue
		}
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == s.EnvVar {
				vals[s.Name] = []byte(v)
			}
		}
	}
	return vals
}

// dropFile removes the kustomization from a stream: `kubectl apply -f -`
// takes manifests only.
func dropFile(files []targets.File, name string) []targets.File {
	out := files[:0:0]
	for _, f := range files {
		if f.Path != name {
			out = append(out, f)
		}
	}
	return out
}
