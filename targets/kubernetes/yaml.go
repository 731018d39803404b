package kubernetes

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/transship/transship/internal/lazy"
)

// The manifests are written by this small YAML emitter rather than by
// sigs.k8s.io/yaml, for three reasons: hand-written style (block
// sequences indented under their key, multi-line file contents as literal
// blocks), no empty noise (`creationTimestamp: null`, `status: {}`,
// `resources: {}`), and speed (one JSON round trip per object). Objects
// go through encoding/json first, so the field names and omitempty rules
// are exactly those of k8s.io/api.
//
// Scalars are written plain only when every YAML 1.1 and 1.2 reader takes
// them for the same string: the API server decodes YAML 1.1, where `on`,
// `y` and `0755` are not strings. Everything else is double-quoted with
// JSON escapes, which YAML reads identically.

// marshal renders one Kubernetes object as a YAML document.
func marshal(obj any) ([]byte, error) {
	m, err := tree(obj)
	if err != nil {
		return nil, err
	}
	w := writer{b: &bytes.Buffer{}}
	w.writeMap(m, 0)
	return w.b.Bytes(), nil
}

// tree is an object as encoding/json decodes it, pruned.
func tree(obj any) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	m := prune(v, "").(map[string]any)
	delete(m, "status") // never written by a client
	return m, nil
}

// noise are the keys whose empty value k8s.io/api writes although it
// means nothing: the zero status, empty resources, contexts, strategies.
var noise = map[string]bool{"status": true, "resources": true, "securityContext": true, "strategy": true, "updateStrategy": true, "metadata": true}

// prune drops nulls everywhere and empty maps under the noise keys. Other
// empty maps are meaningful (`emptyDir: {}`, `podSelector: {}`).
func prune(v any, key string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			p := prune(e, k)
			if m, ok := p.(map[string]any); ok && len(m) == 0 && noise[k] {
				delete(t, k)
				continue
			}
			t[k] = p
		}
	case []any:
		for i, e := range t {
			t[i] = prune(e, "")
		}
	}
	return v
}

// writer writes a tree as YAML into b. For a Helm template (tmpl) every
// "{{" of the tree's strings, keys as well as values, is written
// {{"{{"}}, which Helm renders back to "{{": compose text (an Airflow
// DAG's {{ ds }}, a file named {{ x }}.conf) is not template code. Raw
// and Block, the chart's own code, are copied as they are.
type writer struct {
	b    *bytes.Buffer
	tmpl bool
}

func (w writer) writeMap(m map[string]any, indent int) {
	b := w.b
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Blocks come after the plain entries, so that a list item's first
	// key, which shares the dash's line, is never one.
	sort.SliceStable(keys, func(i, j int) bool { return !isBlock(m[keys[i]]) && isBlock(m[keys[j]]) })
	for i, k := range keys {
		if blk, ok := m[k].(Block); ok {
			b.WriteString(blk(indent))
			continue
		}
		if i > 0 || b.Len() == 0 || b.Bytes()[b.Len()-1] == '\n' {
			pad(b, indent)
		}
		w.text(func(b *bytes.Buffer) {
			if plainSafe(k) {
				b.WriteString(k)
			} else {
				writeQuoted(b, k)
			}
		})
		b.WriteByte(':')
		w.writeValue(m[k], indent)
	}
}

// writeValue writes what follows "key:" (or "- "): a scalar on the same
// line, a block on the next lines.
func (w writer) writeValue(v any, indent int) {
	b := w.b
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		w.writeMap(t, indent+2)
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		w.writeList(t, indent+2)
	default:
		b.WriteByte(' ')
		w.writeAtom(t, indent+2)
		b.WriteByte('\n')
	}
}

func (w writer) writeList(l []any, indent int) {
	b := w.b
	for _, e := range l {
		if blk, ok := e.(Block); ok {
			b.WriteString(blk(indent))
			continue
		}
		pad(b, indent)
		b.WriteString("- ")
		switch t := e.(type) {
		case map[string]any:
			if len(t) == 0 {
				b.WriteString("{}\n")
				continue
			}
			// The first key shares the dash's line; the rest align with it.
			w.writeMap(t, indent+2)
		case []any:
			if len(t) == 0 {
				b.WriteString("[]\n")
				continue
			}
			b.WriteByte('\n')
			w.writeList(t, indent+2)
		default:
			w.writeAtom(t, indent+2)
			b.WriteByte('\n')
		}
	}
}

func (w writer) writeAtom(v any, indent int) {
	b := w.b
	switch t := v.(type) {
	case string:
		w.text(func(b *bytes.Buffer) { writeScalar(b, t, indent) })
	case json.Number:
		b.WriteString(t.String())
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case Raw:
		b.WriteString(string(t))
	}
}

// text writes a key or a scalar as put writes it; in a template, each
// "{{" then becomes a template action that prints "{{". Nothing else in
// the text is Go template syntax: "}}" alone is plain text to Helm.
func (w writer) text(put func(*bytes.Buffer)) {
	if !w.tmpl {
		put(w.b)
		return
	}
	var s bytes.Buffer
	put(&s)
	w.b.WriteString(strings.ReplaceAll(s.String(), "{{", `{{"{{"}}`))
}

func pad(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// writeScalar writes a string: plain when unambiguous, as a literal block
// when it is a multi-line text that reads back exactly, else quoted.
func writeScalar(b *bytes.Buffer, s string, indent int) {
	switch {
	case plainSafe(s):
		b.WriteString(s)
	case literalSafe(s):
		writeLiteral(b, s, indent)
	default:
		writeQuoted(b, s)
	}
}

// writeQuoted writes s double-quoted with JSON's escapes, which YAML
// reads the same; '<', '>' and '&' stay as they are.
func writeQuoted(b *bytes.Buffer, s string) {
	var q bytes.Buffer
	enc := json.NewEncoder(&q)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(q.Bytes(), []byte("\n")))
}

// ambiguous are the words YAML 1.1 or 1.2 resolve to booleans or null.
var ambiguous = map[string]bool{
	"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true, "~": true,
}

// plainSafe allows a conservative subset: it starts with a letter, '/' or
// '_', has no character YAML gives a meaning to (': ', ' #', quotes,
// brackets...), no trailing space, and is not a YAML keyword. Numbers,
// timestamps and octal-looking strings all start with a digit, a sign or
// a dot, so they are quoted.
func plainSafe(s string) bool {
	if s == "" || ambiguous[strings.ToLower(s)] {
		return false
	}
	c := s[0]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_':
	case c == '-' && len(s) > 1 && (isLetter(s[1]) || s[1] == '-'):
		// "-c", "--flag": a dash not followed by a space or a digit.
	case c >= '0' && c <= '9':
		return unitNumber().MatchString(s)
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_./=+@%()$", c) >= 0:
		case c == ':' || c == ' ' || c == ',':
			// Inside a plain scalar only ": ", " #" and a final ':' or ' ' mean something.
			if i == len(s)-1 || (c == ':' && s[i+1] == ' ') || (c == ' ' && s[i+1] == '#') {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isBlock(v any) bool {
	_, ok := v.(Block)
	return ok
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// unitNumber is a number with a unit such as 512Mi or 250m: a string to
// every YAML reader, unlike 1e3, 0x1f, 0o17 or 0b1, whose letters come
// first after the digits.
var unitNumber = lazy.Regexp(`^[0-9]+(\.[0-9]+)?[A-DF-NP-WYZa-df-np-wyz][A-Za-z]*$`)

// literalSafe: a multi-line, printable text whose first non-empty line
// does not start with a blank (the reader takes the block's indentation
// from it, and go-yaml v2 refuses a tab there), with
// no trailing blanks (which a reader keeps but a reviewer cannot see).
func literalSafe(s string) bool {
	first := strings.TrimLeft(s, "\n")
	if !strings.Contains(strings.TrimRight(s, "\n"), "\n") || !utf8.ValidString(s) || strings.HasPrefix(first, " ") || strings.HasPrefix(first, "\t") {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") || strings.HasSuffix(line, "\r") {
			return false
		}
		for _, r := range line {
			if r < ' ' && r != '\t' || r == 0x7f || r == 0xfeff || r == 0x85 || r == 0x2028 || r == 0x2029 {
				return false
			}
		}
	}
	return true
}

// writeLiteral writes s as "|" (one final newline), "|-" (none) or "|+"
// (several), each line indented. The caller ends the last line.
func writeLiteral(b *bytes.Buffer, s string, indent int) {
	trail := len(s) - len(strings.TrimRight(s, "\n"))
	b.WriteString([]string{"|-", "|", "|+"}[min(trail, 2)])
	for _, line := range strings.Split(s[:len(s)-min(trail, 1)], "\n") {
		b.WriteByte('\n')
		if line != "" {
			pad(b, indent)
			b.WriteString(line)
		}
	}
}
