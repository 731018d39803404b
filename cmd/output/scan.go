package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/transship/transship/targets"
)

type entryKind int8

const (
	kindFile  entryKind = iota // regular file
	kindDir                    // empty directory (non-empty ones are implied by their contents)
	kindOther                  // symlink, socket, device, ...
)

// owner says who an entry in the output directory belongs to.
type owner int8

const (
	generated owner = iota // listed in the manifest and unchanged: transship may replace it
	edited                 // listed in the manifest but changed since: the user's now
	user                   // not listed in the manifest: the user's
)

// entry is something already in the output directory.
type entry struct {
	rel   string // slash-separated, relative to the output directory
	kind  entryKind
	mode  fs.FileMode
	owner owner
}

// oldDir is what the output directory holds before Write.
type oldDir struct {
	exists   bool
	manifest manifest // nil if there is none
	entries  []entry  // in lexical order, without the manifest and non-empty directories
}

// dirExists reports whether the output directory exists, refusing one that
// is not a real directory. A symlink is not followed: swapping it would
// replace the link, not its target. (Clean drops a trailing slash, with
// which Lstat would follow the link.)
func dirExists(dir string) (bool, error) {
	fi, err := os.Lstat(filepath.Clean(dir))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return false, fmt.Errorf("%s: is a symbolic link; transship writes only into a real directory (give the link's target instead)", dir)
	case !fi.IsDir():
		return false, fmt.Errorf("%s: exists and is not a directory", dir)
	}
	return true, nil
}

// scanDir reads the output directory. With force, a damaged manifest is
// ignored, which makes every file the user's: the safe reading.
func scanDir(dir string, force bool) (*oldDir, error) {
	exists, err := dirExists(dir)
	if !exists || err != nil {
		return &oldDir{}, err
	}
	m, err := readManifest(dir)
	if err != nil && !force {
		return nil, err
	}
	entries, err := walk(dir, m)
	if err != nil {
		return nil, err
	}
	return &oldDir{exists: true, manifest: m, entries: entries}, nil
}

// walk lists everything below dir without following symlinks.
func walk(dir string, m manifest) ([]entry, error) {
	var entries []entry
	nonEmpty := map[string]bool{}
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, name)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		nonEmpty[path.Dir(rel)] = true
		if rel == ManifestName {
			return nil
		}
		e, err := classify(dir, rel, d, m)
		entries = append(entries, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	kept := entries[:0]
	for _, e := range entries {
		if e.kind != kindDir || !nonEmpty[e.rel] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// classify decides who owns one entry; only files listed in the manifest
// are read, to compare their hash.
func classify(dir, rel string, d fs.DirEntry, m manifest) (entry, error) {
	info, err := d.Info()
	if err != nil {
		return entry{}, err
	}
	e := entry{rel: rel, mode: info.Mode(), owner: user, kind: kindOther}
	switch {
	case d.IsDir():
		e.kind = kindDir
		return e, nil // directories are never listed: they hold, they are not generated
	case info.Mode().IsRegular():
		e.kind = kindFile
	}
	want, listed := m[rel]
	if !listed {
		return e, nil
	}
	e.owner = edited
	if e.kind == kindFile {
		sum, err := hashFile(join(dir, rel))
		if err != nil {
			return e, err
		}
		if sum == want {
			e.owner = generated
		}
	}
	return e, nil
}

func hashFile(name string) (string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	return hashHex(data), nil
}

// plan decides the fate of every entry already in the output directory and
// returns the ones to carry into the new directory. Transship's own files
// are never carried: they are rewritten or, if stale, dropped. The user's
// files are carried unless the new output is in their way, which is a
// conflict unless force.
func plan(dir string, old *oldDir, files []targets.File, force bool) ([]entry, error) {
	newFiles, newDirs := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		newFiles[f.Path] = true
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			newDirs[d] = true
		}
	}
	var carry []entry
	var errs []error
	for _, e := range old.entries {
		action, inTheWay := actionOn(e, newFiles, newDirs)
		switch {
		case e.owner == generated: // rewritten, or stale and dropped
		case !inTheWay && e.owner == user:
			carry = append(carry, e)
		case !force: // in the way, or an edited file the new output no longer has
			errs = append(errs, &ConflictError{Dir: dir, Path: e.rel, Kind: conflictKind(e.owner),
				Action: action, IsDir: e.kind == kindDir, NoManifest: old.manifest == nil})
		}
	}
	return carry, errors.Join(errs...)
}

// actionOn says what the new output would do to e, and whether e is in its
// way at all; an entry not in the way is deleted only if it is not carried.
func actionOn(e entry, newFiles, newDirs map[string]bool) (Action, bool) {
	if newFiles[e.rel] {
		return Overwrite, true
	}
	if newDirs[e.rel] {
		return ReplaceWithDirectory, e.kind != kindDir
	}
	for d := path.Dir(e.rel); d != "."; d = path.Dir(d) {
		if newFiles[d] {
			return Delete, true
		}
	}
	return Delete, false
}

func conflictKind(o owner) ConflictKind {
	if o == edited {
		return Edited
	}
	return NotGenerated
}
