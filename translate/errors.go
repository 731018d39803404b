package translate

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/lazy"
	"go.yaml.in/yaml/v4"
)

// compose-go reports errors as text. mapError turns each line into a
// Diagnostic with a code, a key path and, through the position index, a
// file, line and column. The patterns below are compose-go v2.16's
// messages; one that matches none still becomes a positioned TR012 error.
// The consistency errors (undefined references, depends_on, cycles) are
// not among them: Load turns compose-go's check off and reports those
// itself, with positions (consistency.go).

type errRule struct {
	re *regexp.Regexp
	fn func(ix *posIndex, m []string) diag.Diagnostic
}

// errRules are compiled on the first error, not at init (internal/lazy).
var errRules = sync.OnceValue(func() []errRule {
	return []errRule{
		{regexp.MustCompile(`^failed to parse (.+?): (yaml: .*)$`), func(ix *posIndex, m []string) diag.Diagnostic {
			return yamlErrorDiag(m[1], fmt.Errorf("%s", m[2]))
		}},
		{regexp.MustCompile(`^validating (.+?): (\S*) (.*)$`), schemaError},
		{regexp.MustCompile(`^error while interpolating (\S+): required variable (\S+) is missing a value(?:: (.*))?$`), func(ix *posIndex, m []string) diag.Diagnostic {
			path := schemaPath(strings.ReplaceAll(m[1], ".[]", ""))
			msg := fmt.Sprintf("required variable %s is not set", m[2])
			if m[3] != "" {
				msg += ": " + m[3]
			}
			src := ix.src(path)
			if vsrc, ok := ix.findVariable(m[2]); ok && strings.HasPrefix(vsrc.Path, path) {
				src = vsrc
			}
			return diag.Errorf(CodeRequiredVar, src, "%s", msg)
		}},
		{regexp.MustCompile(`^error while interpolating (\S+): (.*)$`), func(ix *posIndex, m []string) diag.Diagnostic {
			return diag.Errorf(CodeValue, ix.src(schemaPath(m[1])), "%s", m[2])
		}},
		{regexp.MustCompile(`(?i)^(?:invalid (?:containerPort|hostPort|proto|ip address)|no port specified|invalid range)[: ]*(.*)$`), portError},
		{regexp.MustCompile(`^invalid spec: (.+?): (.*)$`), func(ix *posIndex, m []string) diag.Diagnostic {
			// The spec is the interpolated value; an unset variable in it is
			// why the section is empty, so match the written value's tail.
			tail := m[1][strings.IndexByte(m[1], ':')+1:]
			src, ok := ix.findUnder("services.*.volumes", func(v string) bool {
				return v == m[1] || strings.Contains(v, "$") && strings.HasSuffix(v, tail)
			})
			if !ok {
				src = ix.src("services")
			}
			return diag.Errorf(CodeValue, src, "invalid volume %q: %s", m[1], m[2])
		}},
		{regexp.MustCompile(`^decoding failed due to the following error\(s\):$`), nil},
		{regexp.MustCompile(`^'([^']+)' (.*)$`), func(ix *posIndex, m []string) diag.Diagnostic {
			// mapstructure's path: services[web].healthcheck.interval
			path := strings.NewReplacer("[", ".", "]", "").Replace(m[1])
			return diag.Errorf(CodeValue, ix.src(path), "%s", m[2])
		}},
		// The name comes from the directory when nothing else gives one, and
		// "/" (or a name of only invalid characters) gives none.
		{regexp.MustCompile(`^project name must not be empty$`), func(ix *posIndex, m []string) diag.Diagnostic {
			return diag.Diagnostic{Severity: diag.Error, Code: CodeProjectName,
				Message: "the project has no name (its directory gives none): name it with -p NAME, COMPOSE_PROJECT_NAME or a top-level name:"}
		}},
		{regexp.MustCompile(`^env file (\S+) not found: .*$`), func(ix *posIndex, m []string) diag.Diagnostic {
			base := filepath.Base(m[1])
			src, ok := ix.findUnder("services.*.env_file", func(v string) bool { return filepath.Base(v) == base })
			if !ok {
				src = ix.src("services")
			}
			return diag.Errorf(CodeEnvFile, src, "env file %s not found", base)
		}},
	}
})

// mapError converts a compose-go load error into diagnostics, one per line
// of a joined error.
func mapError(err error, ix *posIndex) diag.Diagnostics {
	var ds diag.Diagnostics
	seen := map[diag.Diagnostic]bool{}
	if m := constructErr().FindStringSubmatch(err.Error()); m != nil {
		file := m[1]
		if file == "" && len(ix.files) > 0 {
			file = ix.files[0] // compose-go reads the project name from the first file
		}
		return constructErrors(ix, file, m[2])
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if d, ok := mapLine(line, ix); ok && !seen[d] {
			seen[d] = true
			ds = append(ds, d)
		}
	}
	return firstUseOnly(ds)
}

// constructErr is the YAML library's report of values it could not build
// (duplicate keys): one "line N: ..." line per problem under a header.
var constructErr = lazy.Regexp(`(?s)^(?:failed to parse (.+?): )?yaml: construct errors:\n(.*)$`)

var constructLine = lazy.Regexp(`^(?:line \d+: )*line (\d+): (.*)$`)

func constructErrors(ix *posIndex, file, body string) diag.Diagnostics {
	var ds diag.Diagnostics
	for _, line := range strings.Split(body, "\n") {
		m := constructLine().FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		src := diag.Src{Pos: diag.Pos{File: file, Line: n, Col: 1}}
		// A duplicate key: find it on that line for its column and path.
		if key := quoted(m[2]); key != "" {
			if found, ok := ix.visit(func(_ string, k *yaml.Node, isKey bool) bool {
				return isKey && k.Line == n && k.Value == key
			}); ok && found.Pos.File == file {
				src = found
			}
		}
		ds = append(ds, diag.Errorf(CodeYAML, src, "invalid YAML: %s", strings.TrimPrefix(m[2], "yaml: ")))
	}
	return ds
}

// firstUseOnly keeps one TR006 per missing variable, at its first use in
// the files: the variable is one problem however often it is used, and
// compose-go lists the uses in map order.
func firstUseOnly(ds diag.Diagnostics) diag.Diagnostics {
	ds.Sort()
	seen := map[string]bool{}
	out := ds[:0]
	for _, d := range ds {
		if d.Code == CodeRequiredVar {
			if seen[d.Message] {
				continue
			}
			seen[d.Message] = true
		}
		out = append(out, d)
	}
	return out
}

// mapLine maps one line; a rule without a function marks a header line
// that says nothing by itself.
func mapLine(line string, ix *posIndex) (diag.Diagnostic, bool) {
	for _, r := range errRules() {
		if m := r.re.FindStringSubmatch(line); m != nil {
			if r.fn == nil {
				return diag.Diagnostic{}, false
			}
			return r.fn(ix, m), true
		}
	}
	// Unknown wording: point at the first value the message quotes, if a
	// file holds it, else at the top of the first file.
	src := ix.src("")
	if q := quoted(line); q != "" {
		if found, ok := ix.visit(func(_ string, n *yaml.Node, _ bool) bool { return n.Value == q }); ok {
			src = found
		}
	}
	return diag.Errorf(CodeCompose, src, "%s", hidePaths(line, ix)), true
}

// hidePaths shortens absolute paths of the project's files in a message to
// their base names, so messages do not depend on where a checkout lives.
func hidePaths(msg string, ix *posIndex) string {
	for _, f := range ix.files {
		dir := filepath.Dir(f) + string(filepath.Separator)
		msg = strings.ReplaceAll(msg, dir, "")
	}
	return msg
}

// schemaError maps a JSON Schema failure ("validating f: services.web.foo
// false schema") to an unknown-key, type or value error at that key.
func schemaError(ix *posIndex, m []string) diag.Diagnostic {
	path := schemaPath(m[2])
	msg := m[3]
	src := diag.Src{Pos: ix.lookup(path), Path: path}
	switch {
	case msg == "false schema" || strings.HasPrefix(msg, "additional properties"):
		if strings.HasPrefix(msg, "additional properties") {
			// The reported location is the parent; name the key itself,
			// the first one written (the message lists them in map order).
			src = firstWritten(ix, path, quotedAll(msg))
		}
		key := src.Path[strings.LastIndexAny(src.Path, ".")+1:]
		if s := suggestKey(parentPath(src.Path), key); s != "" {
			return diag.Errorf(CodeUnknownKey, src, "unknown key %q (did you mean %q?)", key, s)
		}
		if path == "" && !ix.has("services") {
			return diag.Errorf(CodeUnknownKey, src, "unknown top-level key %q: this looks like a compose v1 file; put services under a top-level services: key", key)
		}
		return diag.Errorf(CodeUnknownKey, src, "unknown key %q: compose does not define it here (extensions must start with x-)", key)
	case strings.HasPrefix(msg, "must be a"):
		msg = strings.NewReplacer("a array", "a list", "a object", "a mapping", "a integer", "an integer").Replace(msg)
		return diag.Errorf(CodeType, src, "%s", msg)
	default:
		return diag.Errorf(CodeValue, src, "%s", msg)
	}
}

// firstWritten is the Src of the key under path written first in the
// files, among keys.
func firstWritten(ix *posIndex, path string, keys []string) diag.Src {
	var best diag.Src
	for _, k := range keys {
		p := joinPath(path, k)
		pos := ix.lookup(p)
		if best.Path == "" || pos.File == best.Pos.File && (pos.Line < best.Pos.Line || pos.Line == best.Pos.Line && pos.Col < best.Pos.Col) {
			best = diag.Src{Pos: pos, Path: p}
		}
	}
	return best
}

// quotedAll lists the '...'-quoted words of s.
func quotedAll(s string) []string {
	var out []string
	for {
		q := quoted(s)
		if q == "" {
			return out
		}
		out = append(out, q)
		i := strings.Index(s, q)
		s = s[i+len(q)+1:]
	}
}

func quoted(s string) string {
	i := strings.IndexAny(s, `'"`)
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i+1:], s[i])
	if j < 0 {
		return ""
	}
	return s[i+1 : i+1+j]
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// schemaPath turns compose-go's dotted instance location, where sequence
// indexes are plain segments ("services.web.ports.0"), into our key path
// ("services.web.ports[0]"). The second segment is a name (of a service,
// volume...) even when it is all digits.
func schemaPath(p string) string {
	segs := strings.Split(p, ".")
	var b strings.Builder
	for i, s := range segs {
		if _, err := strconv.Atoi(s); err == nil && i > 1 {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// findRef finds the entry of a reference list (a service's volumes,
// networks, depends_on...) that names ref, by short or long syntax.
func (ix *posIndex) findRef(prefix, ref string) diag.Src {
	src, ok := ix.findUnder(prefix, func(v string) bool {
		return v == ref || strings.HasPrefix(v, ref+":")
	})
	if ok {
		return src
	}
	return ix.src(prefix)
}

// portError locates a port parse error by the bad text it quotes.
func portError(ix *posIndex, m []string) diag.Diagnostic {
	bad := strings.TrimSpace(m[1])
	var written string
	src, ok := ix.findUnder("services.*.ports", func(v string) bool {
		written = v
		return bad != "" && bad != "<empty>" && strings.Contains(v, bad)
	})
	if ok {
		return diag.Errorf(CodeValue, src, "invalid port %q: %s", written, strings.ToLower(m[0][:1])+m[0][1:])
	}
	if !ok && bad == "<empty>" {
		// An empty port is an unset variable: point at the port using one.
		src, ok = ix.findUnder("services.*.ports", func(v string) bool { return strings.Contains(v, "$") })
		if ok {
			return diag.Errorf(CodeValue, src, "invalid port: a port number is empty (is a variable in it unset?)")
		}
	}
	if !ok {
		src = ix.src("services")
	}
	return diag.Errorf(CodeValue, src, "invalid port: %s", m[0])
}
