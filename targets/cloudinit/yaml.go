package cloudinit

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// The user-data is built as a yaml.Node tree rather than from Go maps, so
// that key order is fixed by the code (deterministic, and in the order
// cloud-init's modules run) and the few scalars whose type matters can be
// forced into quotes: cloud-init reads YAML 1.1, where an unquoted 0600
// is the integer 384, which its schema rejects as a permission.

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// quoted is a string that must stay a string for every YAML reader.
func quoted(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.DoubleQuotedStyle
	return n
}

// text is a file's content: a literal block when it is multi-line text,
// which the encoder turns back into a quoted scalar if a block cannot
// hold it exactly (trailing spaces, control characters).
func text(s string) *yaml.Node {
	n := str(s)
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func boolean(b bool) *yaml.Node {
	v := "false"
	if b {
		v = "true"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

// flow is a one-line sequence, like runcmd's argument lists.
func flow(items ...*yaml.Node) *yaml.Node {
	n := seq(items...)
	n.Style = yaml.FlowStyle
	return n
}

func strs(ss ...string) []*yaml.Node {
	out := make([]*yaml.Node, len(ss))
	for i, s := range ss {
		out[i] = str(s)
	}
	return out
}

// mapping takes keys and values alternately: key1, value1, key2, ...
// A nil value drops its key.
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(kv); i += 2 {
		v := kv[i+1].(*yaml.Node)
		if v == nil {
			continue
		}
		m.Content = append(m.Content, str(kv[i].(string)), v)
	}
	return m
}

func encode(doc *yaml.Node) []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic("cloudinit: encoding the user-data: " + err.Error()) // a bug: the tree is built here
	}
	enc.Close()
	return b.Bytes()
}

// gzB64 compresses data with a fixed gzip header (no name, no time), so
// the same input always gives the same bytes, and encodes it as base64.
func gzB64(data []byte) string {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// isText reports whether data can be written as a YAML string as is.
func isText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if r < ' ' && r != '\n' && r != '\t' || r == 0x7f || r == '\uFEFF' {
			return false
		}
	}
	return true
}
