package site

import (
	"maps"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// extends: a profile on top of its parent, with cycles and runaway
// chains refused.

// extend applies the parent's values to p before p's own.
func (l *loader) extend(p *Profile, src source, a *hcl.Attribute) {
	if !l.set(&p.Extends, "extends", a) {
		return
	}
	r := a.Expr.Range()
	if p.Extends == "" {
		l.errorf(codeValue, &r, "extends", "extends is empty: name a built-in profile or a file")
		return
	}
	if parent := l.load(p.Extends, &src, &r); parent != nil {
		p.Description = parent.Description
		p.Kubernetes = parent.Kubernetes
		p.Batch = parent.Batch
		p.CloudInit = parent.CloudInit
		p.RegistryMirrors = maps.Clone(parent.RegistryMirrors)
	}
}

// enter pushes src on the chain of profiles being decoded, refusing a
// cycle or a chain too deep.
func (l *loader) enter(src source, at *hcl.Range) bool {
	key := filepath.Clean(src.file)
	for i, s := range l.chain {
		if filepath.Clean(s.file) == key {
			var names []string
			for _, c := range l.chain[i:] {
				names = append(names, c.file)
			}
			names = append(names, src.file)
			l.errorf(codeExtends, at, "extends", "extends forms a cycle: %s", strings.Join(names, " -> "))
			return false
		}
	}
	if len(l.chain) >= maxDepth {
		l.errorf(codeExtends, at, "extends", "extends chain deeper than %d profiles", maxDepth)
		return false
	}
	l.chain = append(l.chain, src)
	return true
}

func extendsPath(from *source) string {
	if from == nil {
		return ""
	}
	return "extends"
}
