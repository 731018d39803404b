// Package graph is the debug target: it writes the Graph itself as
// indented JSON. Its goldens pin what translate makes of every example,
// and a bug report can attach its output.
package graph

import (
	"bytes"
	"encoding/json"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// Options of the graph target; it has none yet.
type Options struct{}

// FileName is the one file the target writes.
const FileName = "graph.json"

// Emit renders g as JSON. The Graph is sorted and holds no host paths, so
// the bytes depend only on the input.
func Emit(g *translate.Graph, _ Options) ([]targets.File, diag.Diagnostics) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g); err != nil {
		// Graph holds only plain data; failing here is a bug in translate.
		return nil, diag.Diagnostics{{Severity: diag.Error, Code: "GR001", Message: "cannot encode graph: " + err.Error()}}
	}
	return []targets.File{{Path: FileName, Data: buf.Bytes()}}, nil
}
