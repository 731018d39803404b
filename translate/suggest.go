package translate

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/transship/transship/diag"
)

// A misspelt key gets a "did you mean" from the keys the compose JSON
// Schema (compose-go's own copy) allows at that place.

var composeSchema struct {
	once sync.Once
	root map[string]any
}

func schemaRoot() map[string]any {
	composeSchema.once.Do(func() {
		_ = json.Unmarshal([]byte(schema.Schema), &composeSchema.root)
	})
	return composeSchema.root
}

// suggestKey returns the allowed key closest to key under parent (a key
// path), or "" when none is close.
func suggestKey(parent, key string) string {
	node := schemaRoot()
	if node == nil {
		return ""
	}
	if parent != "" {
		for _, seg := range strings.Split(schemaSegments(parent), ".") {
			if node = child(node, seg); node == nil {
				return ""
			}
		}
	}
	return closest(key, objectKeys(node))
}

// schemaSegments turns "services.web.ports[0]" into "services.web.ports.0".
func schemaSegments(path string) string {
	return strings.NewReplacer("[", ".", "]", "").Replace(path)
}

// child steps from a schema node to the node of one key or index.
func child(node map[string]any, seg string) map[string]any {
	node = object(node)
	if node == nil {
		return nil
	}
	if c, ok := properties(node)[seg].(map[string]any); ok {
		return c
	}
	if _, err := strconv.Atoi(seg); err == nil {
		if items, ok := node["items"].(map[string]any); ok {
			return items
		}
	}
	if pp, ok := node["patternProperties"].(map[string]any); ok {
		for pat, c := range pp {
			if !strings.HasPrefix(pat, "^x-") {
				if m, ok := c.(map[string]any); ok {
					return m
				}
			}
		}
	}
	if ap, ok := node["additionalProperties"].(map[string]any); ok {
		return ap
	}
	return nil
}

// object resolves $ref and picks the mapping branch of oneOf/anyOf.
func object(node map[string]any) map[string]any {
	for depth := 0; node != nil && depth < 8; depth++ {
		if ref, ok := node["$ref"].(string); ok {
			node = resolveRef(ref)
			continue
		}
		for _, k := range []string{"oneOf", "anyOf"} {
			if alts, ok := node[k].([]any); ok {
				for _, a := range alts {
					if m, ok := a.(map[string]any); ok && (m["type"] == "object" || m["$ref"] != nil || m["properties"] != nil) {
						node = m
						goto next
					}
				}
			}
		}
		return node
	next:
	}
	return node
}

func resolveRef(ref string) map[string]any {
	node := schemaRoot()
	for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		next, ok := node[seg].(map[string]any)
		if !ok {
			return nil
		}
		node = next
	}
	return node
}

// properties merges a node's properties with those of its allOf parts
// (a service is container_spec + workload_spec + its own keys).
func properties(node map[string]any) map[string]any {
	out := map[string]any{}
	if props, ok := node["properties"].(map[string]any); ok {
		for k, v := range props {
			out[k] = v
		}
	}
	if parts, ok := node["allOf"].([]any); ok {
		for _, part := range parts {
			if m, ok := part.(map[string]any); ok {
				for k, v := range properties(object(m)) {
					out[k] = v
				}
			}
		}
	}
	return out
}

func objectKeys(node map[string]any) []string {
	node = object(node)
	if node == nil {
		return nil
	}
	props := properties(node)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// closest picks the candidate at the smallest edit distance, if that is
// at most 2 and small for the key's length.
func closest(key string, candidates []string) string {
	if i := diag.Nearest(key, candidates, min(2, len(key)/3+1)+1); i >= 0 {
		return candidates[i]
	}
	return ""
}
