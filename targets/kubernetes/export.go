package kubernetes

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// What other renderers of the same decisions (targets/helm) use: the
// plan, the objects it renders as trees of plain values, and the YAML
// writer, with two hooks for text the writer copies as it is (template
// expressions). Emit is built from the same pieces, so a chart and the
// manifests cannot map a compose file differently.

// Plan is the decisions made for one project (plan.go).
type Plan struct{ p *plan }

// Decide makes the plan of g, with the default init images filled in;
// it is nil when an error stops the conversion.
func Decide(g *translate.Graph, o Options) (*Plan, diag.Diagnostics) {
	if o.WaitImage == "" {
		o.WaitImage = DefaultWaitImage
	}
	if o.KubectlImage == "" {
		o.KubectlImage = DefaultKubectlImage
	}
	p, ds := decide(g, o)
	if p == nil {
		return nil, ds
	}
	return &Plan{p}, ds
}

// Object is one rendered object: its kind, its name and its content as
// JSON would decode it (maps, lists, strings, json.Number, bools), with
// the empty noise pruned as in the manifests.
type Object struct {
	Kind, Name string
	Tree       map[string]any
}

// File is the name the manifests give the object's file.
func (o Object) File() string { return o.Name + "-" + strings.ToLower(o.Kind) + ".yaml" }

// Objects renders the plan, in the manifests' order of files.
func (p *Plan) Objects() ([]Object, diag.Diagnostics) {
	e := renderObjects(p.p)
	out := make([]Object, 0, len(e.objs))
	for _, o := range e.objs {
		t, err := tree(o.v)
		if err != nil {
			e.diags = append(e.diags, diag.Diagnostic{Severity: diag.Error, Code: "K8S000", Message: fmt.Sprintf("internal: %s %s: %v", o.kind, o.name, err)})
			continue
		}
		out = append(out, Object{Kind: o.kind, Name: o.name, Tree: t})
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].Kind), rank(out[j].Kind)
		if ri != rj {
			return ri < rj
		}
		return out[i].File() < out[j].File()
	})
	return out, e.diags
}

// Service is what the plan decided for one compose service.
type Service struct {
	Compose *translate.Service
	Name    string // of its workload
	Kind    string // Deployment, StatefulSet, DaemonSet or Job
	Service string // the name peers resolve; "" without a Service
	// Published is the Service of the ports compose opens on the host
	// (LoadBalancer or NodePort, published.go); "" without one.
	Published string
}

// Services lists the project's services in the Graph's order.
func (p *Plan) Services() []Service {
	out := make([]Service, 0, len(p.p.g.Services))
	for _, s := range p.p.g.Services {
		si := p.p.svc[s.Name]
		out = append(out, Service{Compose: s, Name: si.name, Kind: si.kind, Service: si.service, Published: si.pubService})
	}
	return out
}

// Raw is a scalar the YAML writer copies as it is, after "key: " or
// "- ": a template expression standing for a value.
type Raw string

// Block is text the writer copies in place of a whole map entry or list
// item: lines, each starting at the indentation it is given and ending in
// a newline. It stands for entries that a template writes or leaves out.
// In a map, Blocks are written after the other entries.
type Block func(indent int) string

// YAML writes a tree (an Object's, changed or not) as a YAML document.
func YAML(tree map[string]any) []byte { return writeDoc(tree, false) }

// YAMLAt writes a map or a list as block YAML at an indentation, for a
// Block that wraps literal entries.
func YAMLAt(v any, indent int) string { return writeAt(v, indent, false) }

func writeDoc(tree map[string]any, tmpl bool) []byte {
	w := writer{b: &bytes.Buffer{}, tmpl: tmpl}
	w.writeMap(tree, 0)
	return w.b.Bytes()
}

func writeAt(v any, indent int, tmpl bool) string {
	w := writer{b: &bytes.Buffer{}, tmpl: tmpl}
	switch t := v.(type) {
	case map[string]any:
		w.b.WriteByte('\n') // writeMap pads every key after a newline
		w.writeMap(t, indent)
		return w.b.String()[1:]
	case []any:
		w.writeList(t, indent)
	}
	return w.b.String()
}

// DNSName is the Kubernetes name the target gives a compose name.
func DNSName(s string) string { return dnsName(s, maxName) }

// Template writes a tree as a Helm template: as YAML does, except that
// every "{{" in a string of the tree, a key or a value (a compose value:
// an environment variable, a config file's content such as an Airflow
// DAG's {{ ds }}, a file's name), is written {{"{{"}}, which Helm renders
// back to "{{", so that the text is not taken for template code. Raw and
// Block, the chart's own code, are copied as they are.
func Template(tree map[string]any) []byte { return writeDoc(tree, true) }

// TemplateAt is YAMLAt for a Block of a Helm template, escaping as
// Template does.
func TemplateAt(v any, indent int) string { return writeAt(v, indent, true) }
