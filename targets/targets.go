// Package targets holds what every target shares: the File a target
// produces. Each target is its own package below this one, with one pure
// entry point of the same shape:
//
//	func Emit(g *translate.Graph, opts Options) ([]targets.File, diag.Diagnostics)
//
// No target reads files, the environment or the clock, or touches the
// network: everything it needs is in the Graph and its Options.
package targets

import (
	"io/fs"
	"strings"
)

// File is one generated file. Path is slash-separated and relative to the
// output directory; Data is the exact bytes to write.
type File struct {
	Path string
	Mode fs.FileMode // 0 means 0o644
	Data []byte
}

// BuiltImage is the image a service with build: and no image: runs on a
// target that cannot build it: the name compose tags its build with,
// <project>-<service>, under prefix (--image-prefix REG/PATH) when one is
// given, so that a CI which pushes its builds there gets output that pulls
// them. Every target names such images here, so one compose file and one
// prefix give the same name everywhere. It is lower case: compose allows
// a service named Api, but no image reference holds upper case (docker
// refuses compose's own demo-Api), so such a build gets demo-api.
func BuiltImage(prefix, project, service string) string {
	name := strings.ToLower(project + "-" + service)
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}
