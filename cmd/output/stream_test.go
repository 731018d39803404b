package output

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/transship/transship/targets"
)

func TestStream(t *testing.T) {
	f := func(p, data string) targets.File { return targets.File{Path: p, Data: []byte(data)} }
	cases := []struct {
		name  string
		files []targets.File
		want  string
	}{
		{"none", nil, ""},
		{"single, as it is", []targets.File{f("run.sh", "no newline")}, "no newline"},
		{"multi YAML", []targets.File{
			f("b.yaml", "kind: Namespace\n"),        // given order kept, not sorted
			f("a.yml", "kind: Service"),             // no final newline
			f("c.yaml", "--- # own marker\nx: 1\n"), // no empty document before it
			f("d.yaml", "y: 2\n"),
		}, "kind: Namespace\n---\nkind: Service\n--- # own marker\nx: 1\n---\ny: 2\n"},
		{"mixed", []targets.File{
			f("k8s/web.yaml", "kind: Service\n"),
			f("run.sh", "#!/bin/sh\necho hi"),
			f("README", ""),
		}, "# ==> k8s/web.yaml <==\nkind: Service\n\n# ==> run.sh <==\n#!/bin/sh\necho hi\n\n# ==> README <==\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Stream(&b, tc.files); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%q\nwant:\n%q", b.String(), tc.want)
			}
		})
	}
}

func TestStreamInvalidPath(t *testing.T) {
	var b bytes.Buffer
	err := Stream(&b, []targets.File{{Path: "ok.yaml"}, {Path: "../x.yaml"}})
	var pe *InvalidPathError
	if !errors.As(err, &pe) || err.Error() != `invalid output file path "../x.yaml": escapes the output directory` {
		t.Errorf("err = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q before refusing", b.String())
	}
}

type failingWriter struct{ n int } // fails after n writes

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("broken pipe")
	}
	w.n--
	return len(p), nil
}

func TestStreamWriteError(t *testing.T) {
	files := []targets.File{{Path: "a.yaml", Data: []byte("a: 1\n")}, {Path: "b.yaml", Data: []byte("b: 1\n")}}
	err := Stream(&failingWriter{n: 1}, files)
	if err == nil || !strings.HasPrefix(err.Error(), "writing b.yaml to the output stream: broken pipe") {
		t.Errorf("err = %v", err)
	}
}
