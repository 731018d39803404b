package output

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/transship/transship/targets"
)

// Check compares dir with what Write(dir, files, ...) would leave in it and
// returns "" if they agree, or else a unified diff (as `diff -u`, paths
// "a/<path>" and "b/<path>" relative to dir, no timestamps) of every file
// that would be created, changed or deleted, in path order.
//
// It compares content and, as git does, only the executable bit of the
// mode: a checkout or a umask changes the other bits, and a check in CI
// must not fail for that. A mode change is shown as "old mode 100644" /
// "new mode 100755" lines before the file's header.
//
// Files that transship did not generate are ignored unless the new output
// has a file at their path. Deletions are known from the manifest; the
// manifest itself is not compared. Check does not report conflicts: a
// directory can hold the right content and still make Write refuse.
func Check(dir string, files []targets.File) (diff string, err error) {
	files, err = validate(dir, files)
	if err != nil {
		return "", err
	}
	m, err := checkManifest(dir)
	if err != nil {
		return "", err
	}
	want := make(map[string]targets.File, len(files))
	paths := make([]string, 0, len(files)+len(m))
	for _, f := range files {
		want[f.Path] = f
		paths = append(paths, f.Path)
	}
	for p := range m {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var sb strings.Builder
	for _, p := range paths {
		cur, err := readCurrent(dir, p)
		if err != nil {
			return "", err
		}
		var next *version
		if f, ok := want[p]; ok {
			next = &version{data: f.Data, exec: f.Mode.Perm()&0o111 != 0}
		}
		sb.WriteString(fileDiff(p, cur, next))
	}
	return sb.String(), nil
}

// checkManifest reads dir's manifest, refusing a dir that Write would
// refuse. A missing dir has no manifest: all of files would be created.
func checkManifest(dir string) (manifest, error) {
	exists, err := dirExists(dir)
	if !exists || err != nil {
		return nil, err
	}
	return readManifest(dir)
}

// version is a file's content and whether it is executable; nil is absent.
type version struct {
	data []byte
	exec bool
}

// readCurrent reads the regular file at p in dir. Anything else there (or
// nothing) is absent, since Write would have to create the file.
func readCurrent(dir, p string) (*version, error) {
	name := join(dir, p)
	fi, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &version{data: data, exec: fi.Mode().Perm()&0o111 != 0}, nil
}

// fileDiff is the diff of one path from cur (on disk) to next (wanted).
func fileDiff(p string, cur, next *version) string {
	aName, bName := "a/"+p, "b/"+p
	var a, b []byte
	switch {
	case cur == nil && next == nil:
		return ""
	case cur == nil:
		aName, b = "/dev/null", next.data
	case next == nil:
		bName, a = "/dev/null", cur.data
	default:
		a, b = cur.data, next.data
		sameData, sameMode := bytes.Equal(a, b), cur.exec == next.exec
		if sameData && sameMode {
			return ""
		}
		if !sameMode {
			return "old mode " + gitMode(cur.exec) + "\nnew mode " + gitMode(next.exec) + "\n" + unified(aName, bName, a, b)
		}
	}
	return unified(aName, bName, a, b)
}

// gitMode is the mode git shows for a regular file.
func gitMode(exec bool) string {
	if exec {
		return "100755"
	}
	return "100644"
}
