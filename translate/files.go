package translate

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Some targets embed project files in their output: a Kubernetes ConfigMap
// holds a bind-mounted config file, a Secret holds a secret file. Targets
// are pure, so the edge reads those files once, here, and hands the bytes
// to the target. Only files inside the project directory are read, after
// resolving symlinks, and never more than a size limit: a bind mount of
// /etc or of a huge data file must not end up in a manifest.

// FileData is one project file's content, or why it was not read.
type FileData struct {
	Data    []byte
	Problem string // "" when Data is the whole file
}

// MaxEmbeddedFile is the largest file read for embedding: a ConfigMap or
// Secret holds at most 1 MiB in all.
const MaxEmbeddedFile = 1 << 20

// EmbeddableFiles lists the project files a target may embed: bind
// mounts of regular files, and secret and config files, project-relative
// and sorted.
func (g *Graph) EmbeddableFiles() []string {
	set := map[string]bool{}
	for _, s := range g.Services {
		for _, m := range s.Mounts {
			if m.Kind == MountBind && m.SourceKind == "file" {
				set[m.Source] = true
			}
		}
	}
	for _, s := range g.Secrets {
		if s.File != "" {
			set[s.File] = true
		}
	}
	for _, c := range g.Configs {
		if c.File != "" {
			set[c.File] = true
		}
	}
	return sortedKeys(set)
}

// ReadProjectFiles reads the named project-relative files of g, each at
// most max bytes. A file outside the project directory, too large, or
// unreadable gets a Problem instead of Data.
func ReadProjectFiles(g *Graph, names []string, max int64) map[string]FileData {
	out := make(map[string]FileData, len(names))
	root, err := filepath.EvalSymlinks(g.Dir)
	if err != nil {
		root = g.Dir
	}
	for _, name := range names {
		out[name] = readProjectFile(root, name, max)
	}
	return out
}

func readProjectFile(root, name string, max int64) FileData {
	clean := path.Clean(name)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "~") {
		return FileData{Problem: "it is outside the project directory"}
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(clean)))
	if err != nil {
		return FileData{Problem: "it cannot be read: " + unwrapPathError(err)}
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return FileData{Problem: "it links to a file outside the project directory"}
	}
	f, err := os.Open(real)
	if err != nil {
		return FileData{Problem: "it cannot be read: " + unwrapPathError(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return FileData{Problem: "it is not a regular file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return FileData{Problem: "it cannot be read: " + unwrapPathError(err)}
	}
	if int64(len(data)) > max {
		return FileData{Problem: fmt.Sprintf("it is larger than %d KiB", max>>10)}
	}
	return FileData{Data: data}
}

// DirData is a project directory's files, or why they were not read.
type DirData struct {
	Files   []DirFile
	Problem string // "" when Files is the whole directory
}

// DirFile is one regular file of a directory, by its slash-separated
// path inside it. Exec says someone may run it: a script directory
// mounted read-only must stay runnable where it lands.
type DirFile struct {
	Path string
	Data []byte
	Exec bool
}

// EmbeddableDirs lists the bind-mounted project directories a target may
// embed, project-relative and sorted: those no service writes into
// (DirWriter), as only they can be read-only copies. The others are never
// read: a database's data directory can be large, and walking it on every
// conversion is wasted work.
func (g *Graph) EmbeddableDirs() []string {
	set := map[string]bool{}
	for _, s := range g.Services {
		for _, m := range s.Mounts {
			if m.Kind == MountBind && m.SourceKind == "dir" && !set[m.Source] && g.DirWriter(m.Source) == "" {
				set[m.Source] = true
			}
		}
	}
	return sortedKeys(set)
}

// DirWriter names the first service that writes into the bind-mounted
// directory source: through a writable bind of it, of a file or directory
// inside it, or of a directory that holds it. Under compose they all share
// one host directory, so a read-only copy of it would miss those writes.
// "" when nobody writes there.
func (g *Graph) DirWriter(source string) string {
	for _, s := range g.Services {
		for _, m := range s.Mounts {
			if m.Kind == MountBind && !m.ReadOnly && pathsOverlap(m.Source, source) {
				return s.Name
			}
		}
	}
	return ""
}

// pathsOverlap: one slash-separated path is the other or lies inside it.
func pathsOverlap(a, b string) bool {
	a, b = path.Clean(a), path.Clean(b)
	return a == b || within(a, b) || within(b, a)
}

// within: p lies strictly inside dir (both cleaned, relative to the
// project or absolute). A dir that only climbs (".", "..", "../..") holds
// every other relative path that climbs no higher: "." holds the project,
// ".." also "." and "../x".
func within(p, dir string) bool {
	if onlyClimbs(dir) {
		return !path.IsAbs(p) && p != dir && climbs(p) <= climbs(dir)
	}
	return strings.HasPrefix(p, dir+"/")
}

// climbs counts the leading ".." segments of a cleaned relative path.
func climbs(p string) int {
	n := 0
	for p == ".." || strings.HasPrefix(p, "../") {
		n, p = n+1, strings.TrimPrefix(strings.TrimPrefix(p, ".."), "/")
	}
	return n
}

// onlyClimbs: the path is "." or made of ".." alone.
func onlyClimbs(p string) bool {
	return p == "." || strings.Trim(strings.ReplaceAll(p, "..", ""), "/") == "" && strings.HasPrefix(p, "..")
}

// ReadEmbeddable reads what the Kubernetes target (and so the Helm chart)
// may embed: the bind-mounted files and directories of g, leaving out of
// the directories the conversion's outputs. The CLI and the tests read
// them here, so that the tests check the objects the CLI makes.
func ReadEmbeddable(g *Graph, outputs ...string) (map[string]FileData, map[string]DirData) {
	return ReadProjectFiles(g, g.EmbeddableFiles(), MaxEmbeddedFile), ReadProjectDirs(g, g.EmbeddableDirs(), MaxEmbeddedFile, outputs...)
}

// OutputManifest is the file naming what a conversion wrote, in every
// output directory (cmd/output.ManifestName; a test holds them equal).
const OutputManifest = ".transship-manifest"

// ReadProjectDirs reads the named project directories of g, their files
// at most max bytes in all. A directory outside the project, holding a
// link that leads out of it or to a directory, or anything but regular
// files and directories, gets a Problem instead of Files. So does one
// that holds a conversion's output (outputs, the -o directories, or any
// .transship-manifest) or a git repository: a copy of it would embed the
// last conversion in the next, which then never stops changing, and
// .git is history and credentials, not configuration.
func ReadProjectDirs(g *Graph, names []string, max int64, outputs ...string) map[string]DirData {
	out := make(map[string]DirData, len(names))
	root, err := filepath.EvalSymlinks(g.Dir)
	if err != nil {
		root = g.Dir
	}
	for _, name := range names {
		dd := readProjectDir(root, name, max)
		if dd.Problem == "" {
			dd.Problem = holdsOutput(root, name, outputs)
		}
		if dd.Problem != "" {
			dd.Files = nil
		}
		out[name] = dd
	}
	return out
}

// holdsOutput: the reason directory name may not be embedded because an
// output directory lies inside it (which need not exist yet: the first
// conversion must decide as the second does), or "".
func holdsOutput(root, name string, outputs []string) string {
	dir, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(path.Clean(name))))
	if err != nil {
		return ""
	}
	for _, o := range outputs {
		if real := resolveExisting(o); real != "" && inside(dir, real) {
			return "it holds the output directory " + o + ", which each conversion would copy into the next"
		}
	}
	return ""
}

// resolveExisting is p made absolute, with links resolved in the part of
// it that exists; "" when p cannot be made absolute.
func resolveExisting(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	rest := ""
	for cur := abs; ; cur = filepath.Dir(cur) {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest)
		}
		if filepath.Dir(cur) == cur {
			return abs
		}
		rest = filepath.Join(filepath.Base(cur), rest)
	}
}

func readProjectDir(root, name string, max int64) DirData {
	clean := path.Clean(name)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "~") {
		return DirData{Problem: "it is outside the project directory"}
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(clean)))
	if err != nil || !inside(root, dir) {
		return DirData{Problem: "it is not a directory inside the project"}
	}
	var out DirData
	var total int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && d.Name() == ".git" {
			return fmt.Errorf("it holds a git repository (%s)", filepath.ToSlash(rel))
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasPrefix(rel, "..") {
			// A ConfigMap volume keeps such names for its own links
			// (..data), and the API server refuses them as paths.
			return fmt.Errorf("%s starts with \"..\", which a Kubernetes ConfigMap volume reserves", filepath.ToSlash(rel))
		}
		if d.Name() == OutputManifest {
			return fmt.Errorf("it holds a conversion's output (%s), which each conversion would copy into the next", filepath.ToSlash(rel))
		}
		real := p
		if d.Type()&fs.ModeSymlink != 0 {
			if real, err = filepath.EvalSymlinks(p); err != nil {
				return fmt.Errorf("%s is a link that does not resolve (a loop, or a missing target)", filepath.ToSlash(rel))
			}
			if !inside(root, real) {
				return fmt.Errorf("%s links outside the project", filepath.ToSlash(rel))
			}
		}
		st, err := os.Stat(real)
		if err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", filepath.ToSlash(rel))
		}
		if total += st.Size(); total > max {
			return fmt.Errorf("its files are larger than %d KiB in all", max>>10)
		}
		data, err := os.ReadFile(real)
		if err != nil {
			return err
		}
		out.Files = append(out.Files, DirFile{Path: filepath.ToSlash(rel), Data: data, Exec: st.Mode()&0o111 != 0})
		return nil
	})
	if err != nil {
		return DirData{Problem: unwrapPathError(err)}
	}
	return out
}

func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
