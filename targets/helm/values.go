package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/transship/transship/targets/kubernetes"
)

// The values are collected while the templates are made: each template
// expression that reads a value declares it (its path, type, default and
// meaning), and its default is what the Kubernetes target wrote there. So
// values.yaml, values.schema.json and the README's table are three views
// of one list and cannot disagree with the templates.

// value is one node of values.yaml: a leaf (typ set) or a map of values.
type value struct {
	key  string
	typ  string // JSON Schema type of a leaf: string, integer, boolean, object, array, nodePort
	def  any    // default of a leaf
	desc string
	kids []*value
	// enum restricts a string leaf.
	enum []string
	// open: the map's keys are the user's (env, annotations); its
	// values are strings.
	open bool
}

func (v *value) child(key string) *value {
	for _, k := range v.kids {
		if k.key == key {
			return k
		}
	}
	k := &value{key: key}
	v.kids = append(v.kids, k)
	return k
}

// set declares the leaf at path (dot-separated keys may not contain dots,
// so the path is a list).
func (v *value) set(path []string, typ string, def any, desc string) *value {
	n := v
	for _, k := range path {
		n = n.child(k)
	}
	n.typ, n.def, n.desc = typ, def, desc
	return n
}

// describe gives a map node its meaning.
func (v *value) describe(path []string, desc string) {
	n := v
	for _, k := range path {
		n = n.child(k)
	}
	n.desc = desc
}

// yaml writes values.yaml: every value with its meaning as a comment.
func (v *value) yaml() []byte {
	var b bytes.Buffer
	b.WriteString("# Default values of the chart; values.schema.json describes each one, README.md lists them.\n")
	for _, k := range v.kids {
		k.writeYAML(&b, 0)
	}
	return b.Bytes()
}

func (v *value) writeYAML(b *bytes.Buffer, indent int) {
	pad := strings.Repeat(" ", indent)
	if v.desc != "" {
		for _, line := range strings.Split(v.desc, "\n") {
			b.WriteString(pad + "# " + line + "\n")
		}
	}
	b.WriteString(pad + yamlKey(v.key) + ":")
	if v.typ == "" {
		if len(v.kids) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		for _, k := range v.kids {
			k.writeYAML(b, indent+2)
		}
		return
	}
	switch d := v.def.(type) {
	case map[string]any:
		if len(d) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n" + kubernetes.YAMLAt(d, indent+2))
	case []any:
		if len(d) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n" + kubernetes.YAMLAt(d, indent+2))
	case nil:
		b.WriteString(" null\n")
	default:
		j, _ := json.Marshal(d)
		b.WriteString(" " + string(j) + "\n")
	}
}

// yamlKey quotes a key that is not a plain word.
func yamlKey(k string) string {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			j, _ := json.Marshal(k)
			return string(j)
		}
	}
	return k
}

// schema is the JSON Schema of the values (draft 7, which Helm reads).
func (v *value) schema() []byte {
	s := v.schemaNode()
	s["$schema"] = "http://json-schema.org/draft-07/schema#"
	s["title"] = "values"
	out, _ := json.MarshalIndent(s, "", "  ")
	return append(out, '\n')
}

func (v *value) schemaNode() map[string]any {
	s := map[string]any{}
	if v.desc != "" {
		s["description"] = v.desc
	}
	switch v.typ {
	case "":
		props := map[string]any{}
		for _, k := range v.kids {
			props[k.key] = k.schemaNode()
		}
		s["type"], s["properties"], s["additionalProperties"] = "object", props, false
	case "nodePort":
		s["type"] = []string{"integer", "null"}
		s["minimum"], s["maximum"] = 1, 65535
	case "count":
		s["type"], s["minimum"] = "integer", 0
	case "strings":
		s["type"], s["items"] = "array", map[string]any{"type": "string"}
	case "stringMap":
		s["type"], s["additionalProperties"] = "object", map[string]any{"type": "string"}
	case "resources":
		q := map[string]any{"type": "object", "additionalProperties": map[string]any{"type": []string{"string", "number"}}}
		s["type"], s["additionalProperties"] = "object", false
		s["properties"] = map[string]any{"limits": q, "requests": q}
	default:
		s["type"] = v.typ
	}
	if len(v.enum) > 0 {
		s["enum"] = v.enum
	}
	return s
}

// table is the README's table of values: path, type, default, meaning.
func (v *value) table() string {
	var b strings.Builder
	b.WriteString("| value | type | default | description |\n|---|---|---|---|\n")
	var walk func(n *value, path string)
	walk = func(n *value, path string) {
		if n.typ == "" {
			for _, k := range n.kids {
				walk(k, joinPath(path, k.key))
			}
			return
		}
		def, _ := json.Marshal(n.def)
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", path, typeName(n.typ), cell(string(def)), cell(strings.ReplaceAll(n.desc, "\n", " ")))
	}
	walk(v, "")
	return b.String()
}

// joinPath: the keys are Kubernetes names, which hold no dots, so the
// path is what `helm install --set` takes.
func joinPath(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func typeName(t string) string {
	switch t {
	case "nodePort":
		return "integer or null"
	case "count":
		return "integer, at least 0"
	case "strings":
		return "list of strings"
	case "stringMap":
		return "map of strings"
	case "resources":
		return "object (requests, limits)"
	}
	return t
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// sortedKeys of a map, for deterministic output.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
