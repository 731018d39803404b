package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/transship/transship/targets"
)

// Write makes dir hold exactly files plus the manifest, keeping every file
// of the user's that is not in the way (see the package comment). Nothing
// in dir changes unless Write succeeds; the parent of dir is created if
// missing.
//
// Without opts.Force, Write refuses (with one *ConflictError per file,
// joined) to overwrite or delete a file that transship did not generate or
// that the user edited since. An invalid File.Path (*InvalidPathError) is
// refused before anything is read.
func Write(dir string, files []targets.File, opts Options) error {
	files, err := validate(dir, files)
	if err != nil {
		return err
	}
	loc, err := locate(dir)
	if err != nil {
		return err
	}
	if err := undoInPlace(loc.abs); err != nil { // a crash during an in-place swap
		return fmt.Errorf("%s: undoing an unfinished swap: %w", dir, err)
	}
	old, err := scanDir(dir, opts.Force)
	if err != nil {
		return err
	}
	if !old.exists {
		if err := checkInterrupted(loc); err != nil {
			return err
		}
	}
	carry, err := plan(dir, old, files, opts.Force)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(loc.parent, 0o755); err != nil {
		return err
	}
	tmp, err := build(loc, carry, files)
	if err != nil {
		return err
	}
	return swap(loc, tmp, old, files)
}

// location is the output directory, absolute, so that its parent (where
// the temporary directories go) is well defined even for "." or "out/".
type location struct {
	dir    string // as given, for messages
	abs    string
	parent string
	base   string
}

func locate(dir string) (location, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return location{}, err
	}
	loc := location{dir: dir, abs: abs, parent: filepath.Dir(abs), base: filepath.Base(abs)}
	if loc.parent == abs {
		return location{}, fmt.Errorf("%s: cannot replace a file system root; give a directory below it", dir)
	}
	// The swap replaces dir as a whole; a shell sitting in it would be left in
	// a deleted directory and see nothing, which looks like data loss.
	if wd, err := os.Getwd(); err == nil && within(wd, abs) {
		return location{}, fmt.Errorf("%s: contains the current directory, which transship would replace; write to a subdirectory instead", dir)
	}
	return loc, nil
}

// within reports whether name is root or below it.
func within(name, root string) bool {
	rel, err := filepath.Rel(root, name)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// checkInterrupted refuses to start when dir is missing but a previous run
// left dir's old contents beside it: that run was interrupted between its
// two renames, and those contents may include the user's only copy of files.
func checkInterrupted(loc location) error {
	des, err := os.ReadDir(loc.parent)
	if err != nil {
		return nil // a missing parent holds nothing
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), "."+loc.base+".transship-old-") {
			left := filepath.Join(filepath.Dir(filepath.Clean(loc.dir)), de.Name())
			return fmt.Errorf("%s: missing, but %s holds its contents from an interrupted transship run; move it back to %s (or delete it) and run again", loc.dir, left, loc.dir)
		}
	}
	return nil
}

// build makes the complete new directory beside dir. On error it removes
// what it made, so dir's parent is as it was.
func build(loc location, carry []entry, files []targets.File) (_ string, err error) {
	removeStale(loc.parent, loc.base)
	tmp, err := os.MkdirTemp(loc.parent, tmpPattern(loc.base))
	if err != nil {
		return "", fmt.Errorf("%s: creating a temporary directory beside it: %w", loc.dir, err)
	}
	track(tmp, true)
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			track(tmp, false)
		}
	}()
	b := &builder{loc: loc, tmp: tmp, made: map[string]bool{".": true}}
	// Each file is written under inFlight's lock, so that an interrupt
	// (interrupt.go) removes tmp only between two files, never while one
	// is being made, and no file appears in it afterwards.
	for _, e := range carry {
		if err := locked(func() error { return b.carry(e) }); err != nil {
			return "", b.fail(e.rel, "keeping", err)
		}
	}
	files = append(files, targets.File{Path: ManifestName, Data: formatManifest(files)})
	for _, f := range files {
		if err := locked(func() error { return b.write(f) }); err != nil {
			return "", b.fail(f.Path, "writing", err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it 0o700
		return "", fmt.Errorf("%s: %w", loc.dir, err)
	}
	return tmp, nil
}

// builder fills the temporary directory.
type builder struct {
	loc  location
	tmp  string
	made map[string]bool // directories made in tmp, relative
}

// fail names the file the user will see, not its temporary path.
func (b *builder) fail(rel, doing string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("%s: %s: %w", join(b.loc.dir, rel), doing, err)
}

// mkdir makes directory rel and its parents with mode 0o755 (umask does not
// apply: the output is the same on every machine).
func (b *builder) mkdir(rel string) error {
	if b.made[rel] {
		return nil
	}
	if err := b.mkdir(path.Dir(rel)); err != nil {
		return err
	}
	name := filepath.Join(b.tmp, filepath.FromSlash(rel))
	if err := os.Mkdir(name, 0o755); err != nil {
		return err
	}
	b.made[rel] = true
	return os.Chmod(name, 0o755)
}

// write writes one generated file. O_EXCL turns a clash the path checks
// cannot see (two paths that differ only in case, on a case-insensitive
// file system) into an error instead of a silently lost file.
func (b *builder) write(f targets.File) (err error) {
	if writeHook != nil {
		if err := writeHook(f.Path); err != nil {
			return err
		}
	}
	if err := b.mkdir(path.Dir(f.Path)); err != nil {
		return err
	}
	perm := f.Mode.Perm()
	if perm == 0 {
		perm = 0o644
	}
	name := filepath.Join(b.tmp, filepath.FromSlash(f.Path))
	out, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := out.Write(f.Data); err != nil {
		return err
	}
	return out.Chmod(perm)
}

// carry brings one of the user's entries into the new directory: a hard
// link (same file, same mode, no copying), else a copy; symlinks are
// recreated, since link(2) on a symlink is not portable.
func (b *builder) carry(e entry) error {
	src := join(b.loc.abs, e.rel)
	dst := filepath.Join(b.tmp, filepath.FromSlash(e.rel))
	if e.kind == kindDir {
		return b.mkdir(e.rel)
	}
	if err := b.mkdir(path.Dir(e.rel)); err != nil {
		return err
	}
	if e.mode&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	err := link(src, dst)
	if err != nil && e.kind == kindFile {
		return copyFile(src, dst, e.mode)
	}
	return err
}

// copyFile is the fallback when a hard link is not possible (a file system
// without them): a copy with the same permissions and modification time.
func copyFile(src, dst string, mode fs.FileMode) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	if err := out.Chmod(mode.Perm()); err != nil {
		return err
	}
	if fi, err := in.Stat(); err == nil {
		_ = os.Chtimes(dst, fi.ModTime(), fi.ModTime()) // best effort: the content is what matters
	}
	return nil
}
