package site

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Decoding attribute values into a Profile's fields, strictly: HCL's
// type errors keep their positions, a value a site cannot use is SITE005.

func (l *loader) decodeKubernetes(k *Kubernetes, b *hcl.Block, data []byte) {
	content, diags := b.Body.Content(kubernetesSchema)
	l.addHCL(codeStructure, "kubernetes", data, diags)
	targets := fields(k)
	for _, name := range slices.Sorted(maps.Keys(content.Attributes)) {
		l.set(targets[name], "kubernetes."+name, content.Attributes[name])
	}
	if nb := l.single(content.Blocks, "nfs", "kubernetes"); nb != nil {
		content, diags := nb.Body.Content(nfsSchema)
		l.addHCL(codeStructure, "kubernetes.nfs", data, diags)
		n := &NFS{}
		l.set(&n.Server, "kubernetes.nfs.server", content.Attributes["server"])
		l.set(&n.Path, "kubernetes.nfs.path", content.Attributes["path"])
		k.NFS = n // replaces the parent's, as a block is one value
	}
}

// single returns the one block of a type, reporting any repetition the
// way gohcl does (hcl.BodySchema alone allows repeated blocks).
func (l *loader) single(blocks hcl.Blocks, typ, parent string) *hcl.Block {
	var first *hcl.Block
	for _, b := range blocks {
		if b.Type != typ {
			continue
		}
		if first != nil {
			l.errorf(codeStructure, &b.DefRange, join(parent, typ), "Duplicate %s block; Only one %s block is allowed. Another was defined at %s.",
				typ, typ, first.DefRange)
			continue
		}
		first = b
	}
	return first
}

// set decodes a into target (a pointer to a field), then checks the value.
// It reports whether the value decoded; a nil a (absent) leaves target.
func (l *loader) set(target any, path string, a *hcl.Attribute) bool {
	if a == nil {
		return false
	}
	switch t := target.(type) {
	case *map[string]string:
		return l.mergeMap(t, path, a)
	case *[]string:
		return l.setList(t, path, a)
	}
	if diags := decode(a.Expr, target); diags.HasErrors() {
		l.addHCL(codeType, path, nil, diags)
		return false
	}
	var msg string
	switch t := target.(type) {
	case *string:
		if c := checks[path]; c != nil {
			msg = c(*t)
		}
	case *float64:
		if c := numberChecks[path]; c != nil {
			msg = c(*t)
		}
	}
	if msg != "" {
		r := a.Expr.Range()
		l.errorf(codeValue, &r, path, "%s", msg)
	}
	return true
}

// setList replaces *list with a's elements, sorted and without repeats (a
// list here is a set: the order in the file means nothing). Each element
// is decoded on its own so a bad one is reported where it stands.
func (l *loader) setList(list *[]string, path string, a *hcl.Attribute) bool {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		l.addHCL(codeType, path, nil, diags)
		return false
	}
	var out []string
	for i, e := range exprs {
		var s string
		if diags := decode(e, &s); diags.HasErrors() {
			l.addHCL(codeType, path, nil, diags)
			continue
		}
		if c := checks[path]; c != nil {
			if msg := c(s); msg != "" {
				r := e.Range()
				l.errorf(codeValue, &r, fmt.Sprintf("%s[%d]", path, i), "%s", msg)
			}
		}
		out = append(out, s)
	}
	slices.Sort(out)
	*list = slices.Compact(out)
	return true
}

// decode is gohcl.DecodeExpression without its follow-up error: an
// expression that cannot be evaluated (a variable, a function call) is
// also reported as "value must be known", which only adds noise. It does
// gohcl's steps itself (gocty's implied type, convert, gocty) because
// importing gohcl links hclwrite and go-cmp, whose inits every run pays
// for in heap and resident code pages (issue 18).
func decode(expr hcl.Expression, target any) hcl.Diagnostics {
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return diags
	}
	ty, err := gocty.ImpliedType(target)
	if err == nil {
		if v, err = convert.Convert(v, ty); err == nil {
			err = gocty.FromCtyValue(v, target)
		}
	}
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsuitable value type",
			Detail: fmt.Sprintf("Unsuitable value: %s", err.Error()), Subject: expr.StartRange().Ptr(), Context: expr.Range().Ptr()})
	}
	return diags
}

// mergeMap adds a's entries to *m, over the inherited ones. Each key is
// decoded on its own so a bad annotation key is reported where it stands.
func (l *loader) mergeMap(m *map[string]string, path string, a *hcl.Attribute) bool {
	pairs, diags := hcl.ExprMap(a.Expr)
	if diags.HasErrors() {
		l.addHCL(codeType, path, nil, diags)
		return false
	}
	merged := maps.Clone(*m)
	if merged == nil {
		merged = map[string]string{}
	}
	for _, kv := range pairs {
		var key, val string
		diags := decode(kv.Key, &key)
		diags = append(diags, decode(kv.Value, &val)...)
		if diags.HasErrors() {
			l.addHCL(codeType, path, nil, diags)
			continue
		}
		where := fmt.Sprintf("%s[%q]", path, key)
		if c := keyChecks[path]; c != nil {
			if msg := c(key); msg != "" {
				r := kv.Key.Range()
				l.errorf(codeValue, &r, where, "%s", msg)
			}
		}
		if c := checks[path]; c != nil {
			if msg := c(val); msg != "" {
				r := kv.Value.Range()
				l.errorf(codeValue, &r, where, "%s", msg)
			}
		}
		merged[key] = val
	}
	*m = merged
	return true
}
