package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/transship/transship/targets"
)

// An output directory that is a mount point (docker run -v $PWD/deploy:/out,
// a CI volume) cannot be renamed: rename(2) fails with EBUSY. There the
// files are swapped in place instead, with the same guarantee: a journal
// inside the directory names the staged new files and the old ones set
// aside, and until it is removed the swap is undone, by this run on any
// failure or by the next run after a crash. The user's files stay where
// they are.

const (
	journalName = ".transship-swap"
	stageName   = ".transship-new"
	asideName   = ".transship-old"
)

// mustSwapInPlace reports whether a failed rename of the directory itself
// calls for the in-place swap.
func mustSwapInPlace(err error) bool {
	return errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.EPERM)
}

// swapInPlace replaces the generated files of loc (old.entries owned by
// transship, and the manifest) by those of tmp, the complete new
// directory built beside it, and removes tmp.
func swapInPlace(loc location, tmp string, old *oldDir, files []targets.File) error {
	defer os.RemoveAll(tmp)
	newRel := make([]string, 0, len(files)+1)
	for _, f := range files {
		newRel = append(newRel, f.Path)
	}
	newRel = append(newRel, ManifestName) // last: the set is whole once it is in place
	var oldRel []string
	for _, e := range old.entries {
		if e.owner == generated && e.kind != kindDir {
			oldRel = append(oldRel, e.rel)
		}
	}
	if old.manifest != nil {
		oldRel = append(oldRel, ManifestName)
	}
	stage, aside := filepath.Join(loc.abs, stageName), filepath.Join(loc.abs, asideName)
	for _, rel := range newRel {
		if err := moveFile(join(tmp, rel), join(stage, rel)); err != nil {
			os.RemoveAll(stage)
			return fmt.Errorf("%s: staging %s inside it: %w", loc.dir, rel, err)
		}
	}
	journal := "new " + strings.Join(newRel, "\x00") + "\nold " + strings.Join(oldRel, "\x00") + "\n"
	if err := writeSynced(filepath.Join(loc.abs, journalName), []byte(journal)); err != nil {
		os.RemoveAll(stage)
		return fmt.Errorf("%s: %w", loc.dir, err)
	}
	if err := exchange(loc.abs, newRel, oldRel); err != nil {
		if rerr := undoInPlace(loc.abs); rerr != nil {
			return fmt.Errorf("%s: swapping the files in place: %v; undoing it failed too (%v): run again to finish undoing it", loc.dir, err, rerr)
		}
		return fmt.Errorf("%s: swapping the files in place: %w", loc.dir, err)
	}
	if err := os.Remove(filepath.Join(loc.abs, journalName)); err != nil {
		return fmt.Errorf("%s: %w", loc.dir, err)
	}
	os.RemoveAll(stage)
	os.RemoveAll(aside)
	removeEmptyDirs(loc.abs, oldRel)
	return nil
}

// exchange sets the old files aside, then moves the staged ones in.
func exchange(dir string, newRel, oldRel []string) error {
	for _, rel := range oldRel {
		if err := moveFile(join(dir, rel), join(filepath.Join(dir, asideName), rel)); err != nil {
			return err
		}
	}
	for _, rel := range newRel {
		if err := moveFile(join(filepath.Join(dir, stageName), rel), join(dir, rel)); err != nil {
			return err
		}
	}
	return nil
}

// undoInPlace puts back what an unfinished in-place swap of dir (its
// journal still there) changed: new files already moved in are removed,
// the old ones set aside return. Without a journal it does nothing.
func undoInPlace(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, journalName))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil // no swap to undo; whether dir is usable is scanDir's to say
	}
	if err != nil {
		return err
	}
	newRel, oldRel := journalLists(string(data))
	stage, aside := filepath.Join(dir, stageName), filepath.Join(dir, asideName)
	var errs []error
	for _, rel := range newRel {
		if _, err := os.Lstat(join(stage, rel)); errors.Is(err, fs.ErrNotExist) && !slices.Contains(oldRel, rel) {
			if err := os.Remove(join(dir, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	for _, rel := range oldRel {
		if _, err := os.Lstat(join(aside, rel)); err == nil {
			errs = append(errs, moveFile(join(aside, rel), join(dir, rel)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	removeEmptyDirs(dir, newRel)
	os.RemoveAll(stage)
	os.RemoveAll(aside)
	return os.Remove(filepath.Join(dir, journalName))
}

func journalLists(s string) (newRel, oldRel []string) {
	for _, line := range strings.Split(s, "\n") {
		kind, list, _ := strings.Cut(line, " ")
		var l []string
		if list != "" {
			l = strings.Split(list, "\x00")
		}
		switch kind {
		case "new":
			newRel = l
		case "old":
			oldRel = l
		}
	}
	return newRel, oldRel
}

// moveFile renames from to to, making to's directory; across file systems
// (tmp beside a mount point, the files inside it) it copies and removes.
func moveFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	err := rename(from, to)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	fi, err := os.Lstat(from)
	if err != nil {
		return err
	}
	if err := copyFile(from, to, fi.Mode()); err != nil {
		return err
	}
	return os.Remove(from)
}

// writeSynced writes a small file and flushes it to disk.
func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// removeEmptyDirs removes the directories of rels below dir that are
// empty now, deepest first.
func removeEmptyDirs(dir string, rels []string) {
	var dirs []string
	for _, rel := range rels {
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.SortFunc(dirs, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, d := range dirs {
		os.Remove(join(dir, d)) // fails, as it should, when not empty
	}
}
