package kubeapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SplitYAML splits a multi-document YAML stream on lines that are exactly
// "---" (a trailing "\r" is allowed) and drops the empty documents: those
// made of blank and comment lines only. The documents share stream's memory.
func SplitYAML(stream []byte) [][]byte {
	var docs [][]byte
	start := 0
	flush := func(end int) {
		if doc := stream[start:end]; !emptyYAML(doc) {
			docs = append(docs, doc)
		}
	}
	for i := 0; i < len(stream); {
		j := bytes.IndexByte(stream[i:], '\n')
		next := len(stream)
		if j >= 0 {
			next = i + j + 1
		}
		line := bytes.TrimRight(stream[i:next], "\r\n")
		if string(line) == "---" {
			flush(i)
			start = next
		}
		i = next
	}
	flush(len(stream))
	return docs
}

// emptyYAML reports whether doc has only blank and comment lines.
func emptyYAML(doc []byte) bool {
	for line := range bytes.Lines(doc) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

// header is what DryRun needs to know of an object before sending it.
type header struct {
	APIVersion, Kind   string
	Name, GenerateName string
	Namespace          string
	JSON               bool // the document is JSON, not block YAML
}

// readHeader reads apiVersion, kind and metadata's name, generateName and
// namespace from one object, without decoding the rest (which the server
// must see as it is, duplicate keys and all). It reads JSON, and block-style
// YAML with those fields as plain or quoted scalars, which is what every
// generator writes; flow-style YAML other than JSON is not supported.
func readHeader(doc []byte) (header, error) {
	var h header
	body := bytes.TrimSpace(bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf")))
	if len(body) > 0 && body[0] == '{' {
		var obj struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name, GenerateName, Namespace string
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &obj); err != nil {
			return h, fmt.Errorf("reading apiVersion and kind: %w", err)
		}
		h = header{obj.APIVersion, obj.Kind, obj.Metadata.Name, obj.Metadata.GenerateName, obj.Metadata.Namespace, true}
	} else {
		inMeta, metaIndent := false, -1
		for raw := range bytes.Lines(body) {
			line := strings.TrimRight(string(raw), "\r\n")
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || trimmed[0] == '#' || line[0] == '%' || trimmed == "..." {
				continue
			}
			indent := len(line) - len(strings.TrimLeft(line, " "))
			if indent == 0 {
				inMeta = false
				key, val, ok := splitKey(line)
				if !ok {
					continue
				}
				switch key {
				case "apiVersion":
					h.APIVersion = val
				case "kind":
					h.Kind = val
				case "metadata":
					inMeta, metaIndent = val == "", -1
				}
				continue
			}
			if !inMeta {
				continue
			}
			if metaIndent < 0 {
				metaIndent = indent
			}
			if indent != metaIndent {
				continue
			}
			key, val, ok := splitKey(trimmed)
			if !ok {
				continue
			}
			switch key {
			case "name":
				h.Name = val
			case "generateName":
				h.GenerateName = val
			case "namespace":
				h.Namespace = val
			}
		}
	}
	if h.APIVersion == "" || h.Kind == "" {
		return h, errors.New("object has no apiVersion or no kind")
	}
	return h, nil
}

// splitKey splits a block mapping line "key: value # comment" into its key
// and scalar value, unquoting both.
func splitKey(line string) (key, val string, ok bool) {
	line = strings.TrimSpace(line)
	var rest string
	switch {
	case strings.HasPrefix(line, `"`) || strings.HasPrefix(line, `'`):
		k, n, err := unquote(line)
		if err != nil {
			return "", "", false
		}
		key, rest = k, line[n:]
		if !strings.HasPrefix(rest, ":") {
			return "", "", false
		}
		rest = rest[1:]
	default:
		i := strings.Index(line, ": ")
		switch {
		case i >= 0:
			key, rest = line[:i], line[i+1:]
		case strings.HasSuffix(line, ":"):
			key = line[:len(line)-1]
		default:
			return "", "", false
		}
	}
	rest = strings.TrimSpace(rest)
	if rest == "" || rest[0] == '#' {
		return key, "", true
	}
	if rest[0] == '"' || rest[0] == '\'' {
		v, _, err := unquote(rest)
		if err != nil {
			return "", "", false
		}
		return key, v, true
	}
	if i := strings.Index(rest, " #"); i >= 0 {
		rest = strings.TrimSpace(rest[:i])
	}
	return key, rest, true
}

// unquote reads the quoted scalar at the start of s, returning its value and
// the number of bytes it took.
func unquote(s string) (string, int, error) {
	if s[0] == '\'' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != '\'' {
				b.WriteByte(s[i])
				continue
			}
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, nil
		}
		return "", 0, errors.New("unterminated quote")
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			return v, i + 1, err
		}
	}
	return "", 0, errors.New("unterminated quote")
}
