package helm

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/targets/kubernetes"
)

// One chart serves several sites: values-<site>.yaml holds the values
// that differ when the same project is converted for that site (the
// chart is made again under it, and its values compared), so
// `helm install -f values-egi-im.yaml` renders what `--to kubernetes
// --site egi-im` writes. What a site changes in the plan's structure
// (which volumes are shared, hence StatefulSet or Deployment; which
// objects exist) no value can change: the file lists it, and says to
// convert again with --site.

// Site is a site the chart ships a values file for.
type Site struct {
	Name       string
	Kubernetes site.Kubernetes
}

// BuiltinSites are generic and the built-in profiles with a Kubernetes
// block of their own (the batch profiles share generic's), each changed
// by apply (the CLI's --domain and the like; nil for none).
func BuiltinSites(apply func(*site.Kubernetes)) []Site {
	var out []Site
	var seen []site.Kubernetes
	names := []string{"generic"}
	for _, info := range site.Builtins() {
		names = append(names, info.Name)
	}
	for _, name := range names {
		p, ds := site.Load(name, nil)
		if p == nil || ds.HasErrors() || slices.ContainsFunc(seen, func(k site.Kubernetes) bool { return reflect.DeepEqual(k, p.Kubernetes) }) {
			continue
		}
		seen = append(seen, p.Kubernetes)
		k := p.Kubernetes
		if apply != nil {
			apply(&k)
		}
		out = append(out, Site{Name: name, Kubernetes: k})
	}
	return out
}

// siteFile is values-<site>.yaml: the chart made for s, compared with
// this one.
func (c *chart) siteFile(s Site, objs []kubernetes.Object) targets.File {
	o := c.o
	o.Kubernetes.Site = s.Kubernetes
	other, otherObjs, _, _ := render(c.g, o, false)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Values for the site %s: helm install NAME . -f values-%s.yaml\n", s.Name, s.Name)
	fmt.Fprintf(&b, "# They are the values that differ when the project is converted with --site %s.\n", s.Name)
	if other == nil {
		fmt.Fprintf(&b, "# The project does not convert for %s: convert again with --site %s to see why.\n", s.Name, s.Name)
		return targets.File{Path: "values-" + s.Name + ".yaml", Data: b.Bytes()}
	}
	if d := structural(c, objs, other, otherObjs); len(d) > 0 {
		fmt.Fprintf(&b, "# No value changes what %s also decides differently; convert again with --site %s for it:\n", s.Name, s.Name)
		for _, l := range d {
			b.WriteString("#   " + l + "\n")
		}
	}
	body := diffValues(c.vals, other.vals, 0)
	if body == "" {
		b.WriteString("{}\n")
	}
	b.WriteString(body)
	return targets.File{Path: "values-" + s.Name + ".yaml", Data: b.Bytes()}
}

// structural lists how the plan for the other site differs beyond what
// values carry: workloads of another kind, objects only one has
// (PersistentVolumes excepted: site.nfs renders them).
func structural(c *chart, objs []kubernetes.Object, other *chart, otherObjs []kubernetes.Object) []string {
	var out []string
	for _, name := range sortedKeys(c.svcs) {
		mine, theirs := c.svcs[name], other.svcs[name]
		if theirs.Name == name && theirs.Kind != mine.Kind {
			out = append(out, fmt.Sprintf("service %s is a %s there, a %s here", mine.Compose.Name, theirs.Kind, mine.Kind))
		}
	}
	set := func(l []kubernetes.Object) map[string]bool {
		m := map[string]bool{}
		for _, o := range l {
			if o.Kind != "PersistentVolume" && o.Kind != "Namespace" && !workloadKinds[o.Kind] {
				m[o.Kind+" "+o.Name] = true
			}
		}
		return m
	}
	a, b := set(objs), set(otherObjs)
	for _, k := range sortedKeys(a) {
		if !b[k] {
			out = append(out, k+" is not there")
		}
	}
	for _, k := range sortedKeys(b) {
		if !a[k] {
			out = append(out, k+" is there only")
		}
	}
	return out
}

// diffValues writes, as YAML, the leaves of other whose defaults differ
// from base's, below the maps they are in. A map leaf (annotations)
// gives null to the keys other lacks, which is how Helm deletes a key of
// the defaults. Leaves only one chart has belong to the structure (above).
func diffValues(base, other *value, indent int) string {
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	for _, k := range base.kids {
		o := other.find(k.key)
		if o == nil || (k.typ == "") != (o.typ == "") {
			continue
		}
		if k.typ == "" {
			if sub := diffValues(k, o, indent+2); sub != "" {
				b.WriteString(pad + yamlKey(k.key) + ":\n" + sub)
			}
			continue
		}
		if reflect.DeepEqual(k.def, o.def) {
			continue
		}
		def := o.def
		if bm, ok := k.def.(map[string]any); ok && k.typ == "stringMap" {
			om, _ := o.def.(map[string]any)
			m := map[string]any{}
			for key, v := range om {
				m[key] = v
			}
			for key := range bm {
				if _, ok := om[key]; !ok {
					m[key] = kubernetes.Raw("null")
				}
			}
			def = m
		}
		leaf := &value{key: k.key, typ: k.typ, def: def}
		var lb bytes.Buffer
		leaf.writeYAML(&lb, indent)
		b.Write(lb.Bytes())
	}
	return b.String()
}

// find is child without adding.
func (v *value) find(key string) *value {
	for _, k := range v.kids {
		if k.key == key {
			return k
		}
	}
	return nil
}
