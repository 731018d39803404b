package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Severity orders diagnostics: errors stop a conversion, warnings report
// what a target could not express, notes explain.
type Severity uint8

// The severities.
const (
	Error Severity = iota
	Warning
	Note
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

// MarshalText makes a Severity a word in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is the one message type of transship: translate, every target
// and the CLI report through it. Code is stable across releases so CI can
// filter on it; Message is for people and may be reworded.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Pos      Pos      `json:"pos"`
	Path     string   `json:"path,omitempty"` // key path, e.g. services.web.ports[0]
	Message  string   `json:"message"`
}

// Errorf makes an error diagnostic at src.
func Errorf(code string, src Src, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Code: code, Pos: src.Pos, Path: src.Path, Message: fmt.Sprintf(format, args...)}
}

// Warnf makes a warning diagnostic at src.
func Warnf(code string, src Src, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Warning, Code: code, Pos: src.Pos, Path: src.Path, Message: fmt.Sprintf(format, args...)}
}

// Diagnostics is a list of diagnostics.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by file, line, column, then code and message, so
// output does not depend on the order checks ran in.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
}

// Format renders d compiler-style:
//
//	compose.yaml:14:9: error[TR004]: services.web.ports[0]: invalid port "80:abc"
//
// A file under base is shown relative to it, so messages carry no host
// paths when base is the working directory.
func (d Diagnostic) Format(base string) string {
	var b strings.Builder
	if f := relFile(base, d.Pos.File); f != "" {
		b.WriteString(f)
		if d.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", d.Pos.Line, d.Pos.Col)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s[%s]: ", d.Severity, d.Code)
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Stdin is the file name of positions in a compose file read from
// standard input (-f -), as `<stdin>:LINE:COL`.
const Stdin = "<stdin>"

func relFile(base, file string) string {
	if base == "" || file == "" || !filepath.IsAbs(file) {
		return filepath.ToSlash(file)
	}
	// Relative to base, or to a near relative of it (../shared/x), as a
	// user would type it; far-away files keep their absolute path.
	if r, err := filepath.Rel(base, file); err == nil && !strings.HasPrefix(r, "../../") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

// WriteText prints one line per diagnostic.
func (ds Diagnostics) WriteText(w io.Writer, base string) error {
	for _, d := range ds {
		if _, err := fmt.Fprintln(w, d.Format(base)); err != nil {
			return err
		}
	}
	return nil
}

// jsonDiag is the JSON shape of a diagnostic: flat, with the position
// split into fields, as CI annotation tools want it.
type jsonDiag struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	Path     string   `json:"path,omitempty"`
	Message  string   `json:"message"`
}

// WriteJSON prints the diagnostics as one JSON array, files relative to
// base, for CI tools.
func (ds Diagnostics) WriteJSON(w io.Writer, base string) error {
	out := make([]jsonDiag, len(ds))
	for i, d := range ds {
		out[i] = jsonDiag{Severity: d.Severity, Code: d.Code, File: relFile(base, d.Pos.File),
			Line: d.Pos.Line, Column: d.Pos.Col, Path: d.Path, Message: d.Message}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "<stdin>" as written, not \u003cstdin\u003e
	return enc.Encode(out)
}
