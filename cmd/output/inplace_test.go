package output

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountPoint makes the renames behave as if dir were a mount point: dir
// itself cannot be renamed (EBUSY), and a rename between inside and
// outside it crosses file systems (EXDEV). failInto, if not "", fails
// moving that staged file into place; after it fails, with brokenUndo,
// every rename fails (a crash halfway).
func mountPoint(t *testing.T, dir, failInto string, brokenUndo bool) {
	t.Cleanup(func() { rename = os.Rename })
	inside := func(p string) bool { return strings.HasPrefix(p, dir+string(filepath.Separator)) }
	failed := false
	rename = func(from, to string) error {
		switch {
		case failed && brokenUndo:
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: errInjected}
		case from == dir:
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EBUSY}
		case inside(from) != inside(to):
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EXDEV}
		case failInto != "" && strings.Contains(from, stageName) && strings.HasSuffix(from, failInto):
			failed = true
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: errInjected}
		}
		return os.Rename(from, to)
	}
}

// expected is what a plain (renaming) Write of v2 over userDir leaves.
func expected(t *testing.T) map[string]string {
	dir, _, _ := userDir(t)
	mustWrite(t, dir, v2, Options{})
	return tree(t, dir)
}

// An output directory that is a mount point always failed with "device or
// resource busy". The files are swapped in place: the same result as the
// renaming Write, the user's files untouched, nothing left over.
func TestWriteToMountPoint(t *testing.T) {
	want := expected(t)
	dir, parent, _ := userDir(t)
	mountPoint(t, dir, "", false)
	mustWrite(t, dir, v2, Options{})
	assertTree(t, dir, want)
	assertNoLeftovers(t, parent)
}

// A failure halfway through the in-place swap puts the old set back.
func TestWriteToMountPointFailure(t *testing.T) {
	dir, parent, before := userDir(t)
	mountPoint(t, dir, "db/statefulset.yaml", false)
	if err := Write(dir, v2, Options{}); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	assertTree(t, dir, before)
	assertNoLeftovers(t, parent)
}

// A crash halfway (here: the undo fails too) leaves the journal; the next
// run undoes the half-done swap before anything else, then writes.
func TestWriteToMountPointCrash(t *testing.T) {
	want := expected(t)
	dir, parent, before := userDir(t)
	mountPoint(t, dir, "web-service.yaml", true)
	err := Write(dir, v2, Options{})
	if err == nil || !strings.Contains(err.Error(), "run again") {
		t.Fatalf("err = %v, want a failed undo", err)
	}
	if _, err := os.Stat(filepath.Join(dir, journalName)); err != nil {
		t.Fatalf("no journal after the crash: %v", err)
	}
	mountPoint(t, dir, "", false)
	if err := undoInPlace(dir); err != nil {
		t.Fatal(err)
	}
	assertTree(t, dir, before)
	mountPoint(t, dir, "web-service.yaml", true)
	_ = Write(dir, v2, Options{})
	mountPoint(t, dir, "", false)
	mustWrite(t, dir, v2, Options{})
	assertTree(t, dir, want)
	assertNoLeftovers(t, parent)
}
