package translate

import (
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Positions through `extends`: a service that extends another inherits
// the keys it does not write itself, and those keys are reported where
// the base service writes them (possibly in another file).

type extendsRef struct {
	service, file  string // the extending service and its file
	base, baseFile string
}

// extendsRefs reads services.*.extends of one file's parsed root.
// Interpolated file names are left to compose-go.
func extendsRefs(file string, root *yaml.Node) []extendsRef {
	services := mappingValue(root, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return nil
	}
	var refs []extendsRef
	for i := 0; i+1 < len(services.Content); i += 2 {
		ext := mappingValue(services.Content[i+1], "extends")
		if ext == nil {
			continue
		}
		r := extendsRef{service: services.Content[i].Value, file: file, baseFile: file}
		if ext.Kind == yaml.ScalarNode {
			r.base = ext.Value
		} else if svc := mappingValue(ext, "service"); svc != nil {
			r.base = svc.Value
			if f := mappingValue(ext, "file"); f != nil && !strings.Contains(f.Value, "$") {
				r.baseFile = f.Value
				if !filepath.IsAbs(r.baseFile) {
					r.baseFile = filepath.Join(filepath.Dir(file), r.baseFile)
				}
			}
		}
		if r.base != "" {
			refs = append(refs, r)
		}
	}
	return refs
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// inheritExtends copies the base services' key positions to the services
// extending them, for keys the extending service does not write. Chains
// of extends resolve over a few rounds.
func (ix *posIndex) inheritExtends(refs []extendsRef) {
	if len(refs) == 0 {
		return
	}
	for round := 0; round < 8; round++ {
		changed := false
		for _, r := range refs {
			changed = ix.inherit(r) || changed
		}
		if !changed {
			return
		}
	}
}

func (ix *posIndex) inherit(r extendsRef) bool {
	from, to := "services."+r.base, "services."+r.service
	changed := false
	for p, pos := range ix.m {
		rest, ok := strings.CutPrefix(p, from)
		if !ok || rest == "" || (rest[0] != '.' && rest[0] != '[') || pos.File != r.baseFile {
			continue
		}
		if _, written := ix.m[to+rest]; !written {
			ix.m[to+rest] = pos
			changed = true
		}
	}
	return changed
}
