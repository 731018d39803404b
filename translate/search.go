package translate

import (
	"strconv"
	"strings"

	"github.com/transship/transship/diag"
	"go.yaml.in/yaml/v4"
)

// Searches over the parsed files, for the errors and warnings compose-go
// reports without a key path ("invalid containerPort: abc", "variable X is
// not set"). They walk every file again, so they are only for the rare
// path of a message, never for a successful load.

// visit calls fn for every mapping key and scalar under every file's root
// with its key path, in file order, until fn returns true.
func (ix *posIndex) visit(fn func(path string, n *yaml.Node, isKey bool) bool) (diag.Src, bool) {
	for _, f := range ix.files {
		root := ix.doc(f)
		if root == nil {
			continue
		}
		if src, ok := visitNode(f, root, "", fn, 0); ok {
			return src, true
		}
	}
	return diag.Src{}, false
}

func visitNode(file string, n *yaml.Node, path string, fn func(string, *yaml.Node, bool) bool, depth int) (diag.Src, bool) {
	if depth > 64 {
		return diag.Src{}, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if fn(p, k, true) {
				return diag.Src{Pos: diag.Pos{File: file, Line: k.Line, Col: k.Column}, Path: p}, true
			}
			if src, ok := visitNode(file, v, p, fn, depth+1); ok {
				return src, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if src, ok := visitNode(file, c, p, fn, depth+1); ok {
				return src, true
			}
		}
	case yaml.ScalarNode:
		if fn(path, n, false) {
			return diag.Src{Pos: diag.Pos{File: file, Line: n.Line, Col: n.Column}, Path: path}, true
		}
	}
	return diag.Src{}, false
}

// findVariable finds the first scalar that references $name or ${name...}.
func (ix *posIndex) findVariable(name string) (diag.Src, bool) {
	return ix.visit(func(_ string, n *yaml.Node, isKey bool) bool {
		return !isKey && referencesVar(n.Value, name)
	})
}

// referencesVar reports whether s uses name in a form that warns when the
// variable is unset: $name or ${name} (or ${name:?...}), not an escaped
// $$name, nor ${name:-default} and the other forms with a fallback.
func referencesVar(s, name string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			i++ // $$ is a literal dollar
			continue
		}
		rest := s[i+1:]
		braced := strings.HasPrefix(rest, "{")
		if braced {
			rest = rest[1:]
		}
		if !strings.HasPrefix(rest, name) || len(rest) > len(name) && isVarChar(rest[len(name)]) {
			continue
		}
		after := rest[len(name):]
		if !braced || strings.HasPrefix(after, "}") || strings.HasPrefix(after, ":?") || strings.HasPrefix(after, "?") {
			return true
		}
	}
	return false
}

func isVarChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// findUnder finds, below the key path prefix (segments may be "*"), the
// first scalar or key for which match holds.
func (ix *posIndex) findUnder(prefix string, match func(string) bool) (diag.Src, bool) {
	return ix.visit(func(path string, n *yaml.Node, isKey bool) bool {
		if !underPrefix(path, prefix) {
			return false
		}
		if isKey && path == prefix {
			return false
		}
		return match(n.Value)
	})
}

// underPrefix reports whether path lies strictly below prefix, where a "*"
// segment of prefix matches any one key.
func underPrefix(path, prefix string) bool {
	for _, seg := range strings.Split(prefix, ".") {
		n := strings.IndexAny(path, ".[")
		if n < 0 {
			n = len(path)
		}
		if seg != "*" && path[:n] != seg {
			return false
		}
		path = strings.TrimPrefix(path[n:], ".")
	}
	return true
}
