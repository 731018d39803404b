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
// embed, project-relative and sorted.
func (g *Graph) EmbeddableDirs() []string {
	set := map[string]bool{}
	for _, s := range g.Services {
		for _, m := range s.Mounts {
			if m.Kind == MountBind && m.SourceKind == "dir" {
				set[m.Source] = true
			}
		}
	}
	return sortedKeys(set)
}

// ReadProjectDirs reads the named project directories of g, their files
// at most max bytes in all. A directory outside the project, holding a
// link that leads out of it or to a directory, or anything but regular
// files and directories, gets a Problem instead of Files.
func ReadProjectDirs(g *Graph, names []string, max int64) map[string]DirData {
	out := make(map[string]DirData, len(names))
	root, err := filepath.EvalSymlinks(g.Dir)
	if err != nil {
		root = g.Dir
	}
	for _, name := range names {
		out[name] = readProjectDir(root, name, max)
	}
	return out
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
		if d.IsDir() {
			return nil
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
