package diag

import "strconv"

// Pos is where a node was written: file (project-relative), 1-based line
// and column. After several files are merged, or after extends/include, a
// node's position is the last file that set its key (translate/positions.go).
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// MarshalText writes a position as "file:line:col", the way diagnostics
// and editors show it.
func (p Pos) MarshalText() ([]byte, error) {
	if p.Line == 0 {
		return []byte(p.File), nil
	}
	return []byte(p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)), nil
}

// Src is a node's origin: its position and its key path in compose syntax,
// e.g. "services.web.ports[0]".
type Src struct {
	Pos  Pos    `json:"pos"`
	Path string `json:"path"`
}
