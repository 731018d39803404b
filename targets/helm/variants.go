package helm

import (
	"fmt"
	"strings"

	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// Two site settings change objects without changing the plan's
// structure: the restricted pod security (securityContext fields) and an
// NFS server (static PersistentVolumes for the shared claims). The chart
// takes both from the site values, so the templates must hold what the
// Kubernetes target writes either way: the plan is made again with the
// setting changed, and its objects give the other branch.

// nfsVariant is the NFS export of the plan made to find the claims an
// NFS server would take; its path is the root, so that a volume's path
// is the part the chart appends to site.nfs.path.
var nfsVariant = site.NFS{Server: "nfs.invalid", Path: "/"}

// variants plans g again with the other pod security and with an NFS
// server, and returns the objects to template: objs, with the
// PersistentVolumes of the claims an NFS server takes.
func (c *chart) variants(g *translate.Graph, objs []kubernetes.Object) []kubernetes.Object {
	flip := c.o.Kubernetes
	flip.Site.RunAsNonRoot = !flip.Site.RunAsNonRoot
	c.flipped = map[string]kubernetes.Object{}
	for _, o := range objectsOf(g, flip) {
		c.flipped[o.Kind+"/"+o.Name] = o
	}
	withNFS := c.o.Kubernetes
	withNFS.Site.NFS = &nfsVariant
	claims := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "PersistentVolumeClaim" {
			claims[o.Name] = true
		}
	}
	c.nfsClaims = map[string]bool{}
	var out []kubernetes.Object
	for _, o := range objs {
		if o.Kind != "PersistentVolume" {
			out = append(out, o)
		}
	}
	// A PersistentVolume whose claim is no claim of this plan (under NFS
	// a replicated service's volume is shared, not a StatefulSet's) is
	// the plan's structure, which the values do not change.
	for _, o := range objectsOf(g, withNFS) {
		if o.Kind == "PersistentVolume" && claims[o.Name] {
			c.nfsClaims[o.Name] = true
			out = append(out, o)
		}
	}
	return out
}

// objectsOf renders the plan of g under o; nil when it fails (the plan
// under the chart's own site did not, and the variants decide the same
// but for the one setting).
func objectsOf(g *translate.Graph, o kubernetes.Options) []kubernetes.Object {
	p, _ := kubernetes.Decide(g, o)
	if p == nil {
		return nil
	}
	objs, _ := p.Objects()
	return objs
}

// podSecurity: the securityContext of a workload's pod and of each of its
// containers follow site.runAsNonRoot, with the Kubernetes target's
// fields for either setting.
func (c *chart) podSecurity(o kubernetes.Object) {
	alt, ok := c.flipped[o.Kind+"/"+o.Name]
	if !ok {
		return
	}
	pod, other := podSpec(o.Tree), podSpec(alt.Tree)
	if pod == nil || other == nil {
		return
	}
	restricted, plain := other, pod
	if c.o.Kubernetes.Site.RunAsNonRoot {
		restricted, plain = pod, other
	}
	securityBlock(pod, restricted["securityContext"], plain["securityContext"])
	for _, key := range []string{"initContainers", "containers"} {
		mine, _ := pod[key].([]any)
		rs, _ := restricted[key].([]any)
		ps, _ := plain[key].([]any)
		for i, e := range mine {
			m, ok := e.(map[string]any)
			if !ok || i >= len(rs) || i >= len(ps) {
				continue
			}
			securityBlock(m, rs[i].(map[string]any)["securityContext"], ps[i].(map[string]any)["securityContext"])
		}
	}
}

// securityBlock writes m's securityContext: restricted under
// site.runAsNonRoot, else plain (either may be absent).
func securityBlock(m map[string]any, restricted, plain any) {
	delete(m, "securityContext")
	if restricted == nil && plain == nil {
		return
	}
	m["securityContext"] = kubernetes.Block(func(indent int) string {
		var b strings.Builder
		pad := strings.Repeat(" ", indent)
		b.WriteString("{{- if $.Values.site.runAsNonRoot }}\n")
		if restricted != nil {
			b.WriteString(pad + "securityContext:\n" + kubernetes.TemplateAt(restricted, indent+2))
		}
		if plain != nil {
			b.WriteString("{{- else }}\n" + pad + "securityContext:\n" + kubernetes.TemplateAt(plain, indent+2))
		}
		b.WriteString("{{- end }}\n")
		return b.String()
	})
}

// nfsVolume: the PersistentVolume of a shared claim is rendered when the
// values name an NFS server, on it, with the claim's size.
func (c *chart) nfsVolume(t *tpl) {
	o := t.obj
	ref := fmt.Sprintf("(index $.Values.persistence %q)", o.Name)
	t.conds = append(t.conds, "$.Values.site.nfs.server")
	spec, _ := mapAt(o.Tree, "spec")
	capacity, _ := mapAt(spec, "capacity")
	capacity["storage"] = kubernetes.Raw(fmt.Sprintf("{{ %s.size | quote }}", ref))
	nfs, _ := mapAt(spec, "nfs")
	sub, _ := nfs["path"].(string) // under nfsVariant's root: /<project>/<claim>
	nfs["server"] = kubernetes.Raw("{{ $.Values.site.nfs.server | quote }}")
	nfs["path"] = kubernetes.Raw(fmt.Sprintf("{{ clean (printf \"%%s/%%s\" $.Values.site.nfs.path %q) | quote }}", strings.TrimPrefix(sub, "/")))
}

// nfsClaim: a shared claim binds to its NFS volume when the values name a
// server (no class: the volume is static), else takes its class.
func (c *chart) nfsClaim(spec map[string]any, name string, class []string) {
	delete(spec, "volumeName")
	lines := []string{"{{- if $.Values.site.nfs.server }}", `storageClassName: ""`, "volumeName: " + c.nameExpr("PersistentVolume", name), "{{- else }}"}
	spec["storageClassName"] = block(append(append(lines, class...), "{{- end }}")...)
}
