// Package targets holds what every target shares: the File a target
// produces. Each target is its own package below this one, with one pure
// entry point of the same shape:
//
//	func Emit(g *translate.Graph, opts Options) ([]targets.File, diag.Diagnostics)
//
// No target reads files, the environment or the clock, or touches the
// network: everything it needs is in the Graph and its Options.
package targets

import "io/fs"

// File is one generated file. Path is slash-separated and relative to the
// output directory; Data is the exact bytes to write.
type File struct {
	Path string
	Mode fs.FileMode // 0 means 0o644
	Data []byte
}
