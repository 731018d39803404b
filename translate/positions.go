package translate

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/lazy"
	"go.yaml.in/yaml/v4"
)

// compose-go's Project carries no line numbers, so translate keeps a side
// index: every compose file is parsed once more with the YAML library
// compose-go itself uses, and the position of each key path
// ("services.web.ports[0]") is recorded.
//
// What is approximate: when several files are merged, a path takes the
// position of the last file that writes it. A key a service inherits
// through `extends` or `<<` merge is reported where the service (or the
// merged anchor) is written, and an `include`d file's keys where the
// included file writes them; a path the index does not know falls back to
// its nearest known ancestor. Sequence indexes are those of the file that
// wrote the sequence, which after merging lists of several files can differ
// from the merged index.
type posIndex struct {
	m       map[string]diag.Pos
	byValue map[string]diag.Src // "services.web.networks=front" -> where that entry is written
	raw     map[string]string   // the written value of volumes entries, their source: keys, and port ranges
	files   []string            // absolute paths, in the order they were indexed
	// What the parsed trees are needed for after indexing, taken while
	// they are at hand: the trees themselves are dropped (a 5,000-service
	// file's tree is a third of the heap during compose-go's load) and
	// parsed again from content only for the searches of an error path.
	content  map[string][]byte
	incs     map[string][]string // local files each file includes, as written
	exts     []extendsRef        // services.*.extends of every file
	versions []diag.Pos          // each file's obsolete top-level version key
	// relTo, once set, makes positions handed out relative to the project
	// directory, as the Graph stores them.
	relTo string
	// budget bounds the work on hostile input (alias bombs): once spent,
	// the rest of a file is not indexed and lookups fall back to ancestors.
	budget int
	bytes  int // size of the files indexed
}

func newPosIndex() *posIndex {
	return &posIndex{m: make(map[string]diag.Pos, 1024), byValue: map[string]diag.Src{}, raw: map[string]string{}, content: map[string][]byte{}, incs: map[string][]string{}}
}

// addFile indexes one file. A YAML syntax error comes back as a Diagnostic
// with the parser's own line and column.
func (ix *posIndex) addFile(file string, content []byte) *diag.Diagnostic {
	ix.files = append(ix.files, file)
	ix.bytes += len(content)
	// A plain file has fewer nodes than bytes; only aliases expand beyond
	// that, so a budget proportional to the input bounds alias bombs.
	ix.budget = 8*len(content) + 1024
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		d := yamlErrorDiag(file, err)
		return &d
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	ix.content[file] = content
	ix.incs[file] = includes(root)
	ix.exts = append(ix.exts, extendsRefs(file, root)...)
	if k := topKey(root, "version"); k != nil {
		ix.versions = append(ix.versions, diag.Pos{File: file, Line: k.Line, Col: k.Column})
	}
	ix.walk(file, root, "", 0)
	return nil
}

// doc parses an indexed file again, for the rare searches of an error
// path; nil when it is empty.
func (ix *posIndex) doc(file string) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(ix.content[file], &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// topKey is the key node of a top-level key, or nil.
func topKey(root *yaml.Node, key string) *yaml.Node {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i]
		}
	}
	return nil
}

// includes lists the local files a compose file's top-level `include`
// names, as written (relative to that file). Remote and interpolated
// paths are left to compose-go.
func includes(root *yaml.Node) []string {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	add := func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && !strings.ContainsAny(n.Value, "$") && !strings.Contains(n.Value, "://") {
			out = append(out, n.Value)
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "include" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range root.Content[i+1].Content {
			if item.Kind == yaml.ScalarNode {
				add(item)
				continue
			}
			for j := 0; j+1 < len(item.Content); j += 2 {
				if item.Content[j].Value != "path" {
					continue
				}
				if v := item.Content[j+1]; v.Kind == yaml.SequenceNode {
					for _, c := range v.Content {
						add(c)
					}
				} else {
					add(v)
				}
			}
		}
	}
	return out
}

func (ix *posIndex) walk(file string, n *yaml.Node, path string, depth int) {
	ix.budget--
	if ix.budget < 0 || depth > 64 {
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		ix.walkChildren(file, n.Alias, path, depth+1)
		return
	}
	ix.walkChildren(file, n, path, depth)
}

func (ix *posIndex) walkChildren(file string, n *yaml.Node, path string, depth int) {
	switch n.Kind {
	case yaml.MappingNode:
		// Merge keys first, so keys written here override merged ones.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "<<" {
				ix.walkMerge(file, n.Content[i+1], path, depth)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				continue
			}
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			ix.m[p] = diag.Pos{File: file, Line: k.Line, Col: k.Column}
			if k.Value == "source" && v.Kind == yaml.ScalarNode && strings.Contains(path, ".volumes[") {
				ix.raw[p] = v.Value
			}
			ix.walk(file, v, p, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			pos := diag.Pos{File: file, Line: c.Line, Col: c.Column}
			ix.m[p] = pos
			if c.Kind == yaml.ScalarNode {
				// Also by value, so a list of names (networks, depends_on,
				// secrets) can be searched after merging reordered it.
				ix.byValue[path+"="+c.Value] = diag.Src{Pos: pos, Path: p}
				if strings.HasSuffix(path, ".volumes") || strings.HasSuffix(path, ".ports") && strings.Contains(c.Value, "-") {
					ix.raw[p] = c.Value // volume entries, port ranges
				}
			}
			ix.walk(file, c, p, depth+1)
		}
	}
}

func (ix *posIndex) walkMerge(file string, v *yaml.Node, path string, depth int) {
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			ix.walk(file, c, path, depth+1)
		}
		return
	}
	ix.walk(file, v, path, depth+1)
}

// lookup returns the position of path, or of its nearest indexed ancestor,
// or of the first file when nothing matches.
func (ix *posIndex) lookup(path string) diag.Pos {
	for p := path; p != ""; p = parentPath(p) {
		if pos, ok := ix.m[p]; ok {
			return pos
		}
	}
	if len(ix.files) > 0 {
		return diag.Pos{File: ix.files[0], Line: 1, Col: 1}
	}
	return diag.Pos{}
}

// has reports whether path itself was written in some file.
func (ix *posIndex) has(path string) bool {
	_, ok := ix.m[path]
	return ok
}

// valueSrc finds the list entry of base written as value.
func (ix *posIndex) valueSrc(base, value string) (diag.Src, bool) {
	src, ok := ix.byValue[base+"="+value]
	src.Pos = ix.rel(src.Pos)
	return src, ok
}

// labelSrc is where label k (value v) of the labels at base is written:
// a list item "k=v", or "k" alone, which compose reads as an empty value;
// else the map key.
func (ix *posIndex) labelSrc(base, k, v string) diag.Src {
	if src, ok := ix.valueSrc(base, k+"="+v); ok {
		return src
	}
	if src, ok := ix.valueSrc(base, k); ok && v == "" {
		return src
	}
	return ix.src(base + "." + k)
}

// src is the Src of path.
func (ix *posIndex) src(path string) diag.Src {
	return diag.Src{Pos: ix.rel(ix.lookup(path)), Path: path}
}

// rel applies relTo to a position.
func (ix *posIndex) rel(p diag.Pos) diag.Pos {
	if ix.relTo != "" && filepath.IsAbs(p.File) {
		if r, err := filepath.Rel(ix.relTo, p.File); err == nil {
			p.File = filepath.ToSlash(r)
		}
	}
	return p
}

// parentPath drops the last key or index of a path.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// yamlMark finds the last "line N, column M: " mark in a YAML library
// error, which is where the parser stopped.
var yamlMark = lazy.Regexp(`line (\d+)(?:, column (\d+))?: `)

func yamlErrorDiag(file string, err error) diag.Diagnostic {
	msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "yaml: ")
	pos := diag.Pos{File: file}
	// The YAML library prints scanner marks 1-based but parser marks (the
	// "while parsing ..." errors) with 0-based lines.
	parserErr := strings.HasPrefix(msg, "while parsing") || strings.HasPrefix(msg, "did not find expected <")
	if ms := yamlMark().FindAllStringSubmatchIndex(msg, -1); len(ms) > 0 {
		m := ms[len(ms)-1]
		pos.Line, _ = strconv.Atoi(msg[m[2]:m[3]])
		if parserErr {
			pos.Line++
		}
		if m[4] >= 0 {
			pos.Col, _ = strconv.Atoi(msg[m[4]:m[5]])
		} else {
			pos.Col = 1
		}
		context := strings.TrimSuffix(strings.TrimSpace(msg[:m[0]]), ":")
		rest := msg[m[1]:]
		// "while parsing a flow sequence at line 3, column 14": say where
		// the unfinished construct began, in the same 1-based lines.
		if i := strings.LastIndex(context, " at line "); i >= 0 {
			where := context[i+len(" at "):]
			if cm := yamlMark().FindStringSubmatch(where + ": "); cm != nil && parserErr {
				n, _ := strconv.Atoi(cm[1])
				where = "line " + strconv.Itoa(n+1)
				if cm[2] != "" {
					where += ", column " + cm[2]
				}
			}
			context = context[:i] + " that starts at " + where
		}
		// "while parsing a flow node at line 1: did not find...": the mark
		// was the context's own, and the position above says where.
		context = strings.TrimSuffix(context, " at")
		msg = rest
		if context != "" {
			msg = rest + " (" + context + ")"
		}
	}
	return diag.Diagnostic{Severity: diag.Error, Code: CodeYAML, Pos: pos, Message: "invalid YAML: " + msg}
}
