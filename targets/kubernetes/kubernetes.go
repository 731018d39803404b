// Package kubernetes renders a Graph as Kubernetes manifests: typed
// k8s.io/api objects, one per file named <name>-<kind>.yaml, and a
// kustomization.yaml listing them.
//
// Emit decides, then renders: plan.go computes every decision once (the
// plan), and the rendering functions only read it. What each compose
// feature becomes is written beside the code that does it: workload.go (Deployment, StatefulSet, DaemonSet, Job), container.go,
// probes.go, wait.go (depends_on), service.go (Services, Ingress),
// storage.go (volumes, bind mounts, secrets, configs), netpol.go
// (networks). Whatever cannot be expressed is a warning with a code from
// codes.go and the position the user wrote.
package kubernetes

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// Options of the Kubernetes target. The CLI fills them from the site
// profile and flags; everything read from disk or the environment is
// already in here.
type Options struct {
	Site site.Kubernetes
	// Namespace overrides the project's x-transship namespace; "" keeps
	// it, and no namespace at all leaves the objects unnamespaced.
	Namespace string
	// Expose names services to publish through an Ingress besides those
	// whose x-transship or labels ask; "*" means every service with a
	// published port.
	Expose []string
	// Files holds the project files that may be embedded (bind-mounted
	// config files, secret and config files), read at the edge.
	Files map[string]translate.FileData
	// Dirs holds the bind-mounted project directories that may be
	// embedded, read at the edge.
	Dirs map[string]translate.DirData
	// SecretValues holds secrets compose takes from environment
	// variables, keyed by secret name; set only when the user asks.
	SecretValues map[string][]byte
	// ExternalSecrets keeps every secret out of the output
	// (--secrets external): the pods refer to Secrets created by hand.
	ExternalSecrets bool
	// TLS asks for TLS on every Ingress (--tls), as x-transship's
	// expose.tls does for one service.
	TLS bool
	// EnvFromConfigMap puts each env_file in a ConfigMap read with
	// envFrom (--env-from-configmap) instead of inlining its variables.
	EnvFromConfigMap bool
	// WaitImage runs the init containers that wait for dependencies
	// (needs sh, nc and nslookup); KubectlImage waits for Jobs.
	WaitImage    string
	KubectlImage string
	// ImagePrefix is where a service with build: and no image: is pulled
	// from (--image-prefix REG/PATH): <prefix>/<project>-<service>.
	ImagePrefix string
}

// Default images of the init containers, pinned by tag.
const (
	DefaultWaitImage    = "busybox:1.37"
	DefaultKubectlImage = "registry.k8s.io/kubectl:v1.37.2"
)

// Kustomization is the file listing every manifest.
const Kustomization = "kustomization.yaml"

// object is one manifest before serialisation.
type object struct {
	kind, name string
	v          any
}

// emitter renders a plan into objects.
type emitter struct {
	*plan
	diags diag.Diagnostics
	objs  []object
}

// Emit renders g. It is a pure function of its arguments.
func Emit(g *translate.Graph, o Options) ([]targets.File, diag.Diagnostics) {
	p, ds := Decide(g, o)
	if p == nil {
		return nil, ds
	}
	files, rds := render(p.p)
	return files, append(ds, rds...)
}

// render writes the objects of a plan; it only reads the plan.
func render(p *plan) ([]targets.File, diag.Diagnostics) {
	e := renderObjects(p)
	files, err := e.files()
	if err != nil {
		e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Code: "K8S000", Message: "internal: " + err.Error()})
	}
	return files, e.diags
}

// renderObjects makes every object of a plan, for the manifests and the
// Helm chart alike.
func renderObjects(p *plan) *emitter {
	e := &emitter{plan: p}
	e.claimObjects()
	e.boundFiles()
	for _, s := range p.g.Services {
		e.service(s)
	}
	e.secrets()
	e.envSecrets()
	e.envFileMaps()
	e.configs()
	e.networkPolicies()
	e.waiterRBAC()
	e.unmodelled()
	e.namespace()
	return e
}

func (e *emitter) warn(code string, src diag.Src, format string, args ...any) {
	e.diags = append(e.diags, diag.Warnf(code, src, format, args...))
}

func (e *emitter) add(kind, name string, v any) { e.objs = append(e.objs, object{kind, name, v}) }

// meta is the metadata every object gets: its name, the namespace, and
// the recommended labels (name is the compose service or the object).
func (p *plan) meta(name, app string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: p.ns, Labels: p.labels(app)}
}

func (p *plan) labels(app string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       app,
		"app.kubernetes.io/part-of":    p.g.Name,
		"app.kubernetes.io/managed-by": "transship",
	}
}

// selector picks a service's pods; it must never change for a workload,
// so it holds only the name and the project.
func (p *plan) selector(app string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": p.g.Name}
}

// namespace writes the Namespace the objects live in, so that
// `kubectl apply -k` works on an empty cluster.
func (e *emitter) namespace() {
	if e.ns == "" {
		return
	}
	if !e.o.Site.CreateNamespace {
		e.warn(CodeNamespace, diag.Src{Path: "namespace"}, "namespace %s is not in the output (the site's create_namespace = false, or --create-namespace=false): it must exist before kubectl apply", e.ns)
		return
	}
	m := e.meta(e.ns, e.ns)
	m.Namespace = ""
	e.add("Namespace", e.ns, &corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"), ObjectMeta: m})
}

// unmodelled warns about every compose key the Graph keeps only by name.
func (e *emitter) unmodelled() {
	for _, s := range e.g.Services {
		for _, u := range s.Unmodelled {
			e.warn(CodeUnsupported, u, "%s has no Kubernetes equivalent; it is not carried over", u.Path)
		}
	}
	for _, u := range e.g.Unmodelled {
		e.warn(CodeUnsupported, u, "%s has no Kubernetes equivalent; it is not carried over", u.Path)
	}
}

// applyOrder ranks the kinds that other objects need to exist first, so
// that the files, streamed in this order by `-o -`, go through one
// `kubectl apply -f -` on an empty cluster: the Namespace holds the rest,
// and pods name their ServiceAccount. Everything else ranks last.
var applyOrder = map[string]int{"Namespace": 0, "ServiceAccount": 1, "Role": 2, "RoleBinding": 3}

func rank(kind string) int {
	if r, first := applyOrder[kind]; first {
		return r
	}
	return len(applyOrder)
}

// files serialises the objects in apply order, then by file name, and
// the kustomization listing them (by name: kustomize orders by kind
// itself).
func (e *emitter) files() ([]targets.File, error) {
	type ranked struct {
		rank int
		targets.File
	}
	rs := make([]ranked, 0, len(e.objs))
	seen := map[string]bool{}
	for _, o := range e.objs {
		path := o.name + "-" + strings.ToLower(o.kind) + ".yaml"
		if seen[path] {
			return nil, fmt.Errorf("two %s objects named %s", o.kind, o.name)
		}
		seen[path] = true
		data, err := marshal(o.v)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.kind, o.name, err)
		}
		rs = append(rs, ranked{rank(o.kind), targets.File{Path: path, Data: data}})
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].rank != rs[j].rank {
			return rs[i].rank < rs[j].rank
		}
		return rs[i].Path < rs[j].Path
	})
	out := make([]targets.File, len(rs), len(rs)+1)
	for i, r := range rs {
		out[i] = r.File
	}
	k := map[string]any{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
	res := make([]string, len(out))
	for i, f := range out {
		res[i] = f.Path
	}
	sort.Strings(res)
	k["resources"] = res
	if e.ns != "" {
		k["namespace"] = e.ns
	}
	data, err := marshal(k)
	if err != nil {
		return nil, err
	}
	return append(out, targets.File{Path: Kustomization, Data: data}), nil
}
