package output

import (
	"bytes"
	"fmt"
	"io"
	"path"

	"github.com/transship/transship/targets"
)

// Stream writes files to w as one stream, for `-o -`:
//
//   - a single file as it is;
//   - several files that are all YAML (.yaml, .yml) as one multi-document
//     YAML stream, "---\n" between documents, each ending with a newline,
//     so it pipes into `kubectl apply -f -`;
//   - otherwise each file after a header line "# ==> path <==", with a
//     blank line between files (as `head` and `tail` do).
//
// Files keep the order given, not sorted: a target may order its documents
// on purpose (a Namespace before the objects in it). Paths are checked as
// for Write, so a target bug shows the same way whatever -o says.
func Stream(w io.Writer, files []targets.File) error {
	if _, err := validate("", files); err != nil {
		return err
	}
	sw := &streamWriter{w: w}
	switch {
	case len(files) == 1:
		sw.file(files[0].Path, nil, files[0].Data)
	case allYAML(files):
		for i, f := range files {
			var sep []byte
			if i > 0 && !startsDocument(f.Data) {
				sep = []byte("---\n")
			}
			sw.file(f.Path, sep, f.Data)
			sw.endLine(f.Path, f.Data)
		}
	default:
		for i, f := range files {
			header := "# ==> " + f.Path + " <==\n"
			if i > 0 {
				header = "\n" + header
			}
			sw.file(f.Path, []byte(header), f.Data)
			sw.endLine(f.Path, f.Data)
		}
	}
	return sw.err
}

func allYAML(files []targets.File) bool {
	for _, f := range files {
		if ext := path.Ext(f.Path); ext != ".yaml" && ext != ".yml" {
			return false
		}
	}
	return true
}

// startsDocument reports whether data opens with its own "---" marker, in
// which case adding one would put an empty document in the stream.
func startsDocument(data []byte) bool {
	rest, ok := bytes.CutPrefix(data, []byte("---"))
	return ok && (len(rest) == 0 || bytes.IndexByte([]byte(" \t\r\n"), rest[0]) >= 0)
}

// streamWriter keeps the first write error and names the file being written.
type streamWriter struct {
	w   io.Writer
	err error
}

func (sw *streamWriter) file(p string, prefix, data []byte) {
	sw.write(p, prefix)
	sw.write(p, data)
}

// endLine ends a file that lacks a final newline, so the next separator
// starts a line of its own.
func (sw *streamWriter) endLine(p string, data []byte) {
	if len(data) > 0 && data[len(data)-1] != '\n' {
		sw.write(p, []byte("\n"))
	}
}

func (sw *streamWriter) write(p string, b []byte) {
	if sw.err != nil || len(b) == 0 {
		return
	}
	if _, err := sw.w.Write(b); err != nil {
		sw.err = fmt.Errorf("writing %s to the output stream: %w", p, err)
	}
}
