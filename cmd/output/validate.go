package output

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/transship/transship/targets"
)

// validate checks every File.Path before anything touches the disk and
// returns the files sorted by path (the order of the manifest and of Check).
// All problems are reported at once, joined, so a buggy target is fixed in
// one round.
func validate(dir string, files []targets.File) ([]targets.File, error) {
	var errs []error
	bad := func(p, reason string) {
		errs = append(errs, &InvalidPathError{Dir: dir, Path: p, Reason: reason})
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if reason := checkPath(f.Path); reason != "" {
			bad(f.Path, reason)
			continue
		}
		switch {
		case f.Path == ManifestName:
			bad(f.Path, "reserved for transship's manifest")
		case seen[f.Path]:
			bad(f.Path, "produced more than once")
		}
		seen[f.Path] = true
	}
	if len(errs) == 0 {
		errs = checkFileDirClashes(dir, files, seen)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b targets.File) int { return strings.Compare(a.Path, b.Path) })
	return sorted, nil
}

// checkPath returns why p is not a clean, relative, slash-separated path
// inside the output directory, or "" if it is.
func checkPath(p string) string {
	clean := path.Clean(p)
	switch {
	case p == "":
		return "empty"
	case path.IsAbs(p):
		return "absolute; it must be relative to the output directory"
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "escapes the output directory"
	case clean == ".":
		return "names the output directory itself, not a file in it"
	case clean != p:
		return "not clean (want " + clean + ")"
	case strings.ContainsRune(p, '\\'):
		// A separator on Windows: the same output must mean the same tree everywhere.
		return "contains a backslash; use / to separate directories"
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		// A newline would break the line-based manifest; other controls are never intended.
		return "contains a control character"
	case !fs.ValidPath(p) || !filepath.IsLocal(filepath.FromSlash(p)):
		return "not a valid local file name on this system"
	}
	return ""
}

// checkFileDirClashes reports a path that is a file in one File and a
// directory in another ("a" and "a/b"), including the manifest's name.
func checkFileDirClashes(dir string, files []targets.File, isFile map[string]bool) []error {
	var errs []error
	for _, f := range files {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if isFile[d] || d == ManifestName {
				errs = append(errs, &InvalidPathError{Dir: dir, Path: f.Path,
					Reason: "needs " + d + " to be a directory, but it is also a file"})
				break
			}
		}
	}
	return errs
}
