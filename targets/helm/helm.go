// Package helm renders a Graph as a Helm chart: the objects of the
// Kubernetes target, from the same plan (targets/kubernetes.Plan), as
// templates whose names carry the release and whose changeable fields
// read values.yaml; values.schema.json and README.md describe the values.
//
// objects.go turns each object into a template, workload.go and
// ingress.go read the values of workloads, Services, claims and
// Ingresses, values.go collects the values, chart.go writes the chart's
// other files. The warnings are the Kubernetes target's, with its codes.
package helm

import (
	"sort"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// Options of the Helm target: those of the Kubernetes target (its
// Namespace is not used: a chart takes the release's), the chart's
// version, and the other sites the chart ships a values file for.
type Options struct {
	Kubernetes kubernetes.Options
	// ChartVersion is Chart.yaml's version; "" is DefaultChartVersion.
	ChartVersion string
	// Sites get a values-<name>.yaml each (sites.go): what the chart's
	// values are when converted for that site instead.
	Sites []Site
}

// DefaultChartVersion is the version of a chart made without one.
const DefaultChartVersion = "0.1.0"

// chart is a chart being made.
type chart struct {
	name string // the chart's name, also the prefix of its helpers
	g    *translate.Graph
	o    Options
	svcs map[string]kubernetes.Service // by workload name
	// kinds holds "Kind/name" of every object, to rename references;
	// existingClaims the claims a value can replace.
	kinds          map[string]bool
	existingClaims map[string]bool
	vals           *value
	// What the plan would be under other site settings (variants.go):
	// the pods' trees with the other pod security, the claims an NFS
	// server would bind to a static PersistentVolume, with those volumes.
	flipped   map[string]kubernetes.Object
	nfsClaims map[string]bool
}

// Emit renders g as a chart. It is a pure function of its arguments.
func Emit(g *translate.Graph, o Options) ([]targets.File, diag.Diagnostics) {
	if o.ChartVersion == "" {
		o.ChartVersion = DefaultChartVersion
	}
	o.Kubernetes.Namespace = ""
	c, objs, files, ds := render(g, o, true)
	if c == nil {
		return nil, ds
	}
	for _, s := range o.Sites {
		files = append(files, c.siteFile(s, objs))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, ds
}

// render makes the chart of g for o's site: its files, the plan's
// objects, and the chart whose values they read. Without variants (for
// a values file, which needs only the values) the other branches of the
// site's settings are left out: they read no value of their own.
func render(g *translate.Graph, o Options, variants bool) (*chart, []kubernetes.Object, []targets.File, diag.Diagnostics) {
	p, ds := kubernetes.Decide(g, o.Kubernetes)
	if p == nil {
		return nil, nil, nil, ds
	}
	objs, rds := p.Objects()
	ds = append(ds, rds...)
	if ds.HasErrors() {
		return nil, nil, nil, ds
	}
	c := &chart{name: kubernetes.DNSName(g.Name), g: g, o: o, svcs: map[string]kubernetes.Service{},
		kinds: map[string]bool{}, existingClaims: map[string]bool{}, vals: &value{}}
	for _, s := range p.Services() {
		c.svcs[s.Name] = s
	}
	tpls := objs
	if variants {
		tpls = c.variants(g, objs)
	}
	c.siteValues()
	app := appVersion(objs, c.svcs)
	var files []targets.File
	for _, obj := range tpls {
		c.kinds[obj.Kind+"/"+obj.Name] = true
		if obj.Kind == "PersistentVolumeClaim" {
			c.existingClaims[obj.Name] = true
		}
	}
	for _, obj := range tpls {
		if obj.Kind == "Namespace" {
			continue // the release's namespace: helm install -n NS --create-namespace
		}
		files = append(files, targets.File{Path: "templates/" + obj.File(), Data: c.template(obj)})
	}
	files = append(files, c.chartFiles(objs, app)...)
	return c, objs, files, ds
}

// siteValues are the site's settings that the templates read, so that one
// chart serves several sites. What the site decided about single
// services (the type of their Services, their claims' classes) is in
// their own values; what changes the plan's structure (which volumes are
// shared, so Deployment or StatefulSet) stays as converted (sites.go
// lists it in the values files).
func (c *chart) siteValues() {
	s := c.o.Kubernetes.Site
	c.vals.describe([]string{"site"}, "The site's settings (--site at conversion): change them to install the chart on another cluster.")
	set := func(k, typ string, def any, desc string) *value {
		return c.vals.set([]string{"site", k}, typ, def, desc)
	}
	ann := map[string]any{}
	for _, k := range sortedKeys(s.IngressAnnotations) {
		ann[k] = s.IngressAnnotations[k]
	}
	set("ingressClass", "string", s.IngressClass, "IngressClass of the Ingresses; empty: the cluster's default.")
	set("ingressAnnotations", "stringMap", ann, "Annotations of every Ingress.")
	set("domain", "string", s.Domain, "Ingress hosts without one are <service>.<domain>; empty: no default host.")
	set("tlsIssuer", "string", s.TLSIssuer, "cert-manager issuer of the certificates of TLS Ingresses; empty: none.")
	set("tlsIssuerKind", "string", firstNonEmpty(s.TLSIssuerKind, "ClusterIssuer"), "ClusterIssuer or Issuer.").enum = []string{"ClusterIssuer", "Issuer"}
	set("storageClass", "string", s.StorageClass, "Storage class of ReadWriteOnce claims; empty: the cluster's default.")
	set("sharedStorageClass", "string", s.SharedStorageClass, "Storage class of ReadWriteMany claims; empty: the cluster's default.")
	set("runAsNonRoot", "boolean", s.RunAsNonRoot, "Run every pod under the restricted Pod Security Standard (non-root, no privilege escalation, no capabilities, the runtime's seccomp profile), as sites that enforce it require.")
	var nfs site.NFS
	if s.NFS != nil {
		nfs = *s.NFS
	}
	c.vals.describe([]string{"site", "nfs"}, "An NFS export for the shared claims: each gets a static PersistentVolume at <path>/<project>/<claim> on it, instead of the shared storage class.")
	c.vals.set([]string{"site", "nfs", "server"}, "string", nfs.Server, "NFS server; empty: no NFS volumes.")
	c.vals.set([]string{"site", "nfs", "path"}, "string", nfs.Path, "Exported directory the volumes are under.")
}

func (c *chart) siteValue(key string) string {
	n := c.vals.child("site").child(key)
	s, _ := n.def.(string)
	return s
}

// appVersion is the images' tag when they all have the same one.
func appVersion(objs []kubernetes.Object, svcs map[string]kubernetes.Service) string {
	tags := map[string]bool{}
	for _, o := range objs {
		if svcs[o.Name].Name != o.Name || svcs[o.Name].Kind != o.Kind {
			continue
		}
		containers, _ := podSpec(o.Tree)["containers"].([]any)
		for _, e := range containers {
			m, _ := e.(map[string]any)
			img, _ := m["image"].(string)
			_, tag, _ := splitImage(img)
			tags[tag] = true
		}
	}
	if len(tags) != 1 || tags[""] {
		return ""
	}
	return sortedKeys(tags)[0]
}
