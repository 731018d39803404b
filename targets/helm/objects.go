package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/targets/kubernetes"
)

// Each object the Kubernetes target renders becomes one template: the
// same tree, with the release's names, namespace and labels put in, and
// the fields users change read from the values. Nothing else is decided
// here.

// Services keep their compose names, which the application's own
// settings name (DB_HOST=db), so a namespace holds one release; every
// other object's name carries the release.

// tpl is one template being made: its object, the conditions that keep
// it, and the lines that bind variables before it.
type tpl struct {
	obj     kubernetes.Object
	conds   []string
	prelude []string
}

func (c *chart) template(o kubernetes.Object) []byte {
	t := &tpl{obj: o}
	// The release goes in first, so that the entries the value reads
	// below wrap (a Block, which walk cannot enter) already name the
	// release's objects: env's secretKeyRef once missed it.
	c.meta(o)
	c.walk(o.Tree, "", "")
	if svc := c.owner(o); svc != "" {
		t.prelude = append(t.prelude, fmt.Sprintf("{{- $v := index .Values.services %q }}", svc))
		t.conds = append(t.conds, "$v.enabled")
		c.vals.set([]string{"services", svc, "enabled"}, "boolean", true, "Render this service's objects at all.")
	}
	switch o.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob":
		c.workload(t)
	case "Service":
		c.serviceValues(t)
		// A member's Service (network_mode: service:X) selects the
		// owner's pods: gone with them.
		sel, _ := mapAt(o.Tree, "spec", "selector")
		if pod, _ := sel["app.kubernetes.io/name"].(string); pod != c.owner(o) && c.svcs[pod].Name == pod && pod != "" {
			t.prelude = append(t.prelude, fmt.Sprintf("{{- $pod := index .Values.services %q }}", pod))
			t.conds = append(t.conds, "$pod.enabled")
		}
	case "Ingress":
		c.ingress(t)
	case "PersistentVolumeClaim":
		c.claim(t, o.Tree, o.Name, true)
	case "PersistentVolume":
		t.conds = append(t.conds, fmt.Sprintf("not (index .Values.persistence %q).existingClaim", o.Name))
		c.nfsVolume(t)
	case "Secret":
		c.vals.set([]string{"secrets", o.Name, "existingSecret"}, "string", "", "Name of an existing Secret to mount instead of the chart's own (whose data is in the templates, not in the values).")
		t.conds = append(t.conds, fmt.Sprintf("not (index .Values.secrets %q).existingSecret", o.Name))
	case "NetworkPolicy":
		c.vals.set([]string{"site", "networkPolicies"}, "boolean", true, "Render the NetworkPolicies that confine traffic to what the compose networks allow.")
		t.conds = append(t.conds, ".Values.site.networkPolicies")
	}
	var b strings.Builder
	for _, l := range t.prelude {
		b.WriteString(l + "\n")
	}
	if len(t.conds) > 0 {
		fmt.Fprintf(&b, "{{- if and true (%s) }}\n", strings.Join(t.conds, ") ("))
	}
	b.Write(kubernetes.Template(o.Tree))
	if len(t.conds) > 0 {
		b.WriteString("{{- end }}\n")
	}
	return []byte(b.String())
}

// owner is the service (its workload name) an object belongs to: its
// workload, Services, Ingress, and the NetworkPolicies about its pods.
func (c *chart) owner(o kubernetes.Object) string {
	app, _ := labels(o.Tree)["app.kubernetes.io/name"].(string)
	if _, ok := c.svcs[app]; !ok {
		return ""
	}
	switch o.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Ingress", "HorizontalPodAutoscaler":
		if o.Name == app {
			return app
		}
	case "Service":
		return app
	case "NetworkPolicy":
		if !strings.HasPrefix(o.Name, "network-") {
			return app
		}
	}
	return ""
}

func labels(t map[string]any) map[string]any {
	l, _ := mapAt(t, "metadata", "labels")
	return l
}

// mapAt follows keys through nested maps.
func mapAt(t map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := t[k].(map[string]any)
		if !ok {
			return nil, false
		}
		t = next
	}
	return t, true
}

// meta puts in the release: the name (Services excepted), the namespace
// and Helm's standard labels.
func (c *chart) meta(o kubernetes.Object) {
	md, _ := mapAt(o.Tree, "metadata")
	if c.carriesRelease(o.Kind) {
		md["name"] = kubernetes.Raw(c.nameExpr(o.Kind, o.Name))
	}
	if o.Kind != "PersistentVolume" {
		md["namespace"] = kubernetes.Raw("{{ $.Release.Namespace | quote }}")
	}
	l := labels(o.Tree)
	l["app.kubernetes.io/managed-by"] = kubernetes.Raw("{{ $.Release.Service | quote }}")
	l["helm.sh/chart"] = kubernetes.Raw(fmt.Sprintf("{{ include %q $ | quote }}", c.name+".chart"))
}

func (c *chart) carriesRelease(kind string) bool { return kind != "Service" }

// nameExpr is the template expression of an object's name.
func (c *chart) nameExpr(kind, name string) string {
	limit := 63
	if workloadKinds[kind] {
		limit = 52 // room for the suffixes of the pods' names and labels
	}
	if kind == "Job" {
		return c.jobNameExpr(name, limit)
	}
	return fmt.Sprintf("{{ include %q (list $ %q %d) }}", c.name+".name", name, limit)
}

// jobNameExpr: a Job's pod template cannot change, so helm upgrade would
// fail on one: each revision has a Job of its own (-r<revision>), which
// Helm creates, deleting the last one's, and the waits of its dependents
// name the same one. A name too long for the suffix at some revision is
// cut at its head, before the 8-hex hash the Kubernetes target ends a
// cut name with (or one of the name, if it has none), so that two long
// names stay apart at any revision.
func (c *chart) jobNameExpr(name string, limit int) string {
	rev := `(printf "-r%d" $.Release.Revision)`
	obj := fmt.Sprintf("%q", name)
	if spare := limit - len(name); spare < maxRevisionSuffix {
		head, tail := splitHash(name)
		obj = fmt.Sprintf(`(ternary %q (printf "%%s%%s" (%q | trunc (sub %d (len %s) | int) | trimSuffix "-") %q) (le (len %s) %d))`,
			name, head, limit-len(tail), rev, tail, rev, spare)
	}
	return fmt.Sprintf("{{ include %q (list $ (printf \"%%s-r%%d\" %s $.Release.Revision) %d) }}", c.name+".name", obj, limit)
}

// maxRevisionSuffix is the longest -r<revision> (revisions below 10^10).
const maxRevisionSuffix = len("-r") + 10

// hashTail is how the Kubernetes target ends a name it cut (names.go).
var hashTail = lazy.Regexp(`-[0-9a-f]{8}$`)

// splitHash cuts a name into its head and its hash tail ("-" and 8 hex
// digits); a name without one gets the hash of the whole name.
func splitHash(name string) (head, tail string) {
	if i := hashTail().FindStringIndex(name); i != nil {
		return name[:i[0]], name[i[0]:]
	}
	sum := sha256.Sum256([]byte(name))
	return name, "-" + hex.EncodeToString(sum[:])[:8]
}

var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "Job": true, "CronJob": true}

func (c *chart) renamed(kind, name string) bool {
	return c.kinds[kind+"/"+name] && c.carriesRelease(kind)
}

// walk puts the release into everything that selects the chart's pods
// and everything that names an object of the chart.
func (c *chart) walk(v any, key, parent string) {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["app.kubernetes.io/part-of"]; ok {
			if _, ok := t["app.kubernetes.io/name"]; ok {
				t["app.kubernetes.io/instance"] = kubernetes.Raw("{{ $.Release.Name | quote }}")
			}
		}
		c.references(t, key)
		for _, k := range sortedKeys(t) {
			c.walk(t[k], k, key)
		}
	case []any:
		for i, e := range t {
			if s, ok := e.(string); ok && key == "args" {
				if job, ok := strings.CutPrefix(s, "job/"); ok && c.renamed("Job", job) {
					t[i] = kubernetes.Raw("job/" + c.nameExpr("Job", job))
				}
			}
			c.walk(e, key, parent)
		}
	}
}

// references renames what a map refers to by name.
func (c *chart) references(t map[string]any, key string) {
	str := func(k string) string { s, _ := t[k].(string); return s }
	switch {
	case str("claimName") != "" && c.renamed("PersistentVolumeClaim", str("claimName")):
		n := str("claimName")
		expr := c.nameExpr("PersistentVolumeClaim", n)
		if c.existingClaims[n] {
			expr = fmt.Sprintf("{{ (index $.Values.persistence %q).existingClaim | default (include %q (list $ %q 63)) }}", n, c.name+".name", n)
		}
		t["claimName"] = kubernetes.Raw(expr)
	case key == "spec" && str("volumeName") != "" && c.renamed("PersistentVolume", str("volumeName")):
		t["volumeName"] = kubernetes.Raw(c.nameExpr("PersistentVolume", str("volumeName")))
	case key == "configMap" && c.renamed("ConfigMap", str("name")):
		t["name"] = kubernetes.Raw(c.nameExpr("ConfigMap", str("name")))
	case key == "secret" && str("secretName") != "":
		t["secretName"] = c.secretRef(str("secretName"))
	case (key == "secretKeyRef" || key == "secretRef") && str("name") != "":
		t["name"] = c.secretRef(str("name"))
	case (key == "configMapKeyRef" || key == "configMapRef") && c.renamed("ConfigMap", str("name")):
		t["name"] = kubernetes.Raw(c.nameExpr("ConfigMap", str("name")))
	case key == "scaleTargetRef" && c.renamed(str("kind"), str("name")):
		t["name"] = kubernetes.Raw(c.nameExpr(str("kind"), str("name")))
	case str("serviceAccountName") != "" && c.renamed("ServiceAccount", str("serviceAccountName")):
		t["serviceAccountName"] = kubernetes.Raw(c.nameExpr("ServiceAccount", str("serviceAccountName")))
	case key == "roleRef" && c.renamed("Role", str("name")):
		t["name"] = kubernetes.Raw(c.nameExpr("Role", str("name")))
	case key == "subjects" && str("kind") == "ServiceAccount":
		if c.renamed("ServiceAccount", str("name")) {
			t["name"] = kubernetes.Raw(c.nameExpr("ServiceAccount", str("name")))
		}
		t["namespace"] = kubernetes.Raw("{{ $.Release.Namespace | quote }}")
	}
}

// secretRef is the name of a Secret that pods refer to: the one the
// values name, else the chart's own (or, for a Secret the chart does not
// create, the name the user must create it under).
func (c *chart) secretRef(n string) kubernetes.Raw {
	def := fmt.Sprintf("%q", n)
	if c.renamed("Secret", n) {
		def = fmt.Sprintf("(include %q (list $ %q 63))", c.name+".name", n)
	} else {
		c.vals.set([]string{"secrets", n, "existingSecret"}, "string", "", "Name of the existing Secret to use; empty: "+n+", which the chart does not create (see the warnings of the conversion).")
	}
	return kubernetes.Raw(fmt.Sprintf("{{ (index $.Values.secrets %q).existingSecret | default %s }}", n, def))
}

// block is a Block that writes lines, each indented.
func block(lines ...string) kubernetes.Block {
	return func(indent int) string {
		var b strings.Builder
		pad := strings.Repeat(" ", indent)
		for _, l := range lines {
			if strings.HasPrefix(l, "{{-") {
				b.WriteString(l + "\n")
				continue
			}
			b.WriteString(strings.ReplaceAll(pad+l, "\n", "\n"+pad) + "\n")
		}
		return b.String()
	}
}

// number reads an integer from a tree.
func number(v any) any {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	return v
}
