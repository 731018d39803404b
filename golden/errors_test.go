package golden

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestErrors runs every golden/errors/*.txtar case: its files are written
// to a temporary directory, the CLI runs there with the arguments of the
// "args" section (one per line), and stderr and the exit status must match
// the "stderr" and "exit" sections.
func TestErrors(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("errors", "*.txtar"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no error cases under golden/errors: %v", err)
	}
	for _, c := range cases {
		path, _ := filepath.Abs(c)
		t.Run(strings.TrimSuffix(filepath.Base(c), ".txtar"), func(t *testing.T) {
			checkErrorCase(t, path)
		})
	}
}

func checkErrorCase(t *testing.T, path string) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var args []string
	want := map[string]string{}
	for _, f := range ar.Files {
		switch f.Name {
		case "args":
			args = strings.Fields(strings.TrimSpace(string(f.Data)))
		case "stderr", "exit":
			want[f.Name] = string(f.Data)
		default:
			p := filepath.Join(dir, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(args) == 0 {
		t.Fatal("the case has no args section")
	}
	_, stderr, code := run(t, dir, args...)
	got := map[string]string{"stderr": stderr, "exit": strconv.Itoa(code) + "\n"}
	if update() {
		setSection(ar, "stderr", got["stderr"])
		setSection(ar, "exit", got["exit"])
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if code == 0 {
		t.Errorf("exit status 0: an error case must fail")
	}
	for _, k := range []string{"exit", "stderr"} {
		if want[k] != got[k] {
			t.Errorf("%s differs:\n%s", k, lineDiff(want[k], got[k]))
		}
	}
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic:") {
		t.Errorf("stderr holds a Go stack:\n%s", stderr)
	}
}

func setSection(ar *txtar.Archive, name, data string) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}
