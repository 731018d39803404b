package translate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadProjectDirs reads a bind-mounted directory's files at the edge, in
// lexical order (the output does not depend on the file system's), each
// with its executable bit.
func TestReadProjectDirs(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\"./conf:/etc/conf:ro\"]\n",
		"conf/z":       "z", "conf/a/b": "ab", "conf/a_b": "flat", "conf/m.sh": "#!/bin/sh\n",
	})
	if err := os.Chmod(filepath.Join(dir, "conf", "m.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if ds.HasErrors() {
		t.Fatal(diagText(ds))
	}
	if got := g.EmbeddableDirs(); len(got) != 1 || got[0] != "conf" {
		t.Fatalf("EmbeddableDirs = %v", got)
	}
	dd := ReadProjectDirs(g, g.EmbeddableDirs(), MaxEmbeddedFile)["conf"]
	if dd.Problem != "" {
		t.Fatal(dd.Problem)
	}
	var got []string
	for _, f := range dd.Files {
		s := f.Path + "=" + string(f.Data)
		if f.Exec {
			s += " (exec)"
		}
		got = append(got, s)
	}
	if want := "a/b=ab|a_b=flat|m.sh=#!/bin/sh\n (exec)|z=z"; strings.Join(got, "|") != want {
		t.Errorf("files = %q, want %q", strings.Join(got, "|"), want)
	}
}

// What cannot be carried is a Problem saying which file and why. A link
// loop inside the directory was reported as linking outside the project.
func TestReadProjectDirsProblems(t *testing.T) {
	for _, tc := range []struct {
		name, link, target, want string
	}{
		{"loop", "conf/x", "x", "x is a link that does not resolve"},
		{"outside", "conf/x", "/etc/hostname", "x links outside the project"},
		{"directory link", "conf/x", "../other", "x is not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{
				"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\"./conf:/etc/conf:ro\"]\n",
				"conf/a":       "a", "other/b": "b",
			})
			if err := os.Symlink(tc.target, filepath.Join(dir, filepath.FromSlash(tc.link))); err != nil {
				t.Fatal(err)
			}
			g, _ := loadDiags(t, Options{ProjectDir: dir})
			dd := ReadProjectDirs(g, []string{"conf"}, MaxEmbeddedFile)["conf"]
			if !strings.Contains(dd.Problem, tc.want) || dd.Files != nil {
				t.Errorf("problem = %q, want %q", dd.Problem, tc.want)
			}
		})
	}
	// A link to a file elsewhere in the project is read through.
	dir := project(t, map[string]string{"compose.yaml": "services: {}\n", "conf/a": "a", "other/b": "b"})
	if err := os.Symlink("../other/b", filepath.Join(dir, "conf", "b")); err != nil {
		t.Fatal(err)
	}
	g, _ := loadDiags(t, Options{ProjectDir: dir})
	if dd := ReadProjectDirs(g, []string{"conf"}, MaxEmbeddedFile)["conf"]; dd.Problem != "" || len(dd.Files) != 2 || string(dd.Files[1].Data) != "b" {
		t.Errorf("link inside the project: %+v", dd)
	}
	if dd := ReadProjectDirs(g, []string{"../x"}, MaxEmbeddedFile)["../x"]; !strings.Contains(dd.Problem, "outside the project") {
		t.Errorf("../x: %+v", dd)
	}
}

// A directory holding a git repository, a conversion's output, or the
// output directory about to be written (which need not exist yet) is not
// embedded: a copy of the output would grow with every conversion.
func TestReadProjectDirsLeavesOutputAndGit(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml":              "services:\n  web:\n    image: nginx\n    volumes: [\"./a:/a:ro\", \"./b:/b:ro\", \"./c:/c:ro\", \"./d:/d:ro\"]\n",
		"a/.git/config":             "[remote]\n",
		"b/out/.transship-manifest": "x\n",
		"c/conf":                    "c",
		"d/conf":                    "d",
	})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if ds.HasErrors() {
		t.Fatal(diagText(ds))
	}
	dds := ReadProjectDirs(g, g.EmbeddableDirs(), MaxEmbeddedFile, filepath.Join(dir, "c", "deploy", "k8s"))
	for name, want := range map[string]string{"a": "git repository (.git)", "b": "output (out/.transship-manifest)", "c": "holds the output directory", "d": ""} {
		dd := dds[name]
		if want == "" && (dd.Problem != "" || len(dd.Files) != 1) || want != "" && (!strings.Contains(dd.Problem, want) || dd.Files != nil) {
			t.Errorf("%s: problem %q, %d files; want problem %q", name, dd.Problem, len(dd.Files), want)
		}
	}
}

// A top-level name starting with ".." cannot be a path in a ConfigMap
// volume (it keeps ..data for itself): the directory stays a claim.
func TestReadProjectDirsRefusesDotDotNames(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\"./a:/a:ro\"]\n",
		"a/..x":        "x",
	})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if ds.HasErrors() {
		t.Fatal(diagText(ds))
	}
	if dd := ReadProjectDirs(g, []string{"a"}, MaxEmbeddedFile)["a"]; !strings.Contains(dd.Problem, `..x starts with ".."`) {
		t.Errorf("problem %q", dd.Problem)
	}
}

// Only directories nobody writes into are read: the others can never be
// copies, and a writable one may be a database's data. Before, every
// bind-mounted directory was walked on every conversion.
func TestEmbeddableDirsSkipsWritten(t *testing.T) {
	dir := project(t, map[string]string{
		"compose.yaml": "services:\n  a:\n    image: nginx\n    volumes: [\"./conf:/c:ro\", \"./data:/d:ro\", \"./pg:/var/lib/pg\", \"./up:/u:ro\"]\n  b:\n    image: nginx\n    volumes: [\"./data/in:/in\", \"./up/f:/f\"]\n",
		"conf/a":       "a", "data/in/x": "x", "pg/base": "b", "up/f": "f",
	})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if ds.HasErrors() {
		t.Fatal(diagText(ds))
	}
	if got := strings.Join(g.EmbeddableDirs(), ","); got != "conf" {
		t.Errorf("EmbeddableDirs = %s, want conf", got)
	}
	for src, want := range map[string]string{"conf": "", "data": "b", "pg": "a", "up": "b", "data/in": "b"} {
		if got := g.DirWriter(src); got != want {
			t.Errorf("DirWriter(%s) = %q, want %q", src, got, want)
		}
	}
}

func TestPathsOverlap(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"data", "data", true}, {"data/x", "data", true}, {"data", "./data/x/", true}, {".", "data", true},
		{"data2", "data", false}, {".", "../other", false}, {"/srv", "/srv/a", true}, {".", "/srv", false},
		// A bind of the project's parent holds the project: a writable
		// ./data writes into a ..:ro bind. Before, no path was inside "..".
		{"data", "..", true}, {".", "..", true}, {"../x", "..", true}, {"../..", "..", true}, {"../../y", "..", false}, {"...", ".", true},
	} {
		if got := pathsOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("pathsOverlap(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
