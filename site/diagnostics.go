package site

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/lazy"
)

// HCL's diagnostics as transship's, with the key path written, and the
// "did you mean" hints (diag.Nearest).

// addHCL reports HCL's own diagnostics with its wording and positions.
// path is the block they arise in; when the subject is a name (an unknown
// argument or block), it is added to the path.
func (l *loader) addHCL(code, path string, src []byte, ds hcl.Diagnostics) {
	for _, d := range ds {
		msg := d.Summary
		if d.Detail != "" {
			msg += "; " + d.Detail
		}
		dg := rangeDiag(code, d.Subject, join(path, subjectName(src, d.Subject)), "%s", msg)
		if d.Severity == hcl.DiagWarning {
			dg.Severity = diag.Warning
		}
		l.diags = append(l.diags, dg)
	}
}

var identRE = lazy.Regexp(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func subjectName(src []byte, r *hcl.Range) string {
	if r == nil || src == nil || r.End.Byte > len(src) || r.Start.Byte >= r.End.Byte {
		return ""
	}
	name := strings.Trim(string(src[r.Start.Byte:r.End.Byte]), `"`)
	if !identRE().MatchString(name) {
		return ""
	}
	return name
}

func (l *loader) errorf(code string, r *hcl.Range, path, format string, args ...any) {
	l.diags = append(l.diags, rangeDiag(code, r, path, format, args...))
}

func rangeDiag(code string, r *hcl.Range, path, format string, args ...any) diag.Diagnostic {
	var pos diag.Pos
	if r != nil {
		pos = diag.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
	}
	return diag.Diagnostic{Severity: diag.Error, Code: code, Pos: pos, Path: path,
		Message: fmt.Sprintf(format, args...)}
}

func join(parent, name string) string {
	if parent == "" || name == "" {
		return parent + name
	}
	return parent + "." + name
}

// suggest returns the candidates close to s: those s begins (a name cut
// short) or, failing that, the nearest one within a few edits, so a
// typo is helped without guessing wildly.
func suggest(s string, candidates []string) []string {
	var out []string
	for _, c := range candidates {
		if s != "" && strings.HasPrefix(c, s) {
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out
	}
	lower := make([]string, len(candidates))
	for i, c := range candidates {
		lower[i] = strings.ToLower(c)
	}
	if i := diag.Nearest(strings.ToLower(s), lower, max(2, len(s)/3)+1); i >= 0 {
		return []string{candidates[i]}
	}
	return nil
}

// orList joins "a", "a or b", "a, b or c".
func orList(ss []string) string {
	if len(ss) <= 2 {
		return strings.Join(ss, " or ")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
