package output

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var errInjected = errors.New("injected failure")

// failWriteAt makes writing the generated file rel fail, for one test.
func failWriteAt(t *testing.T, rel string) {
	t.Cleanup(func() { writeHook = nil })
	writeHook = func(p string) error {
		if p == rel {
			return errInjected
		}
		return nil
	}
}

// failRename makes the rename whose source contains marker fail; with
// alsoRestore, every later rename fails too (the restore).
func failRename(t *testing.T, marker string, alsoRestore bool) {
	t.Cleanup(func() { rename = os.Rename })
	failing := false
	rename = func(from, to string) error {
		if strings.Contains(filepath.Base(from), marker) || (failing && alsoRestore) {
			failing = true
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: errInjected}
		}
		return os.Rename(from, to)
	}
}

// userDir is an output directory written by v1 and then given user files.
func userDir(t *testing.T) (dir, parent string, before map[string]string) {
	dir, parent = outDir(t)
	mustWrite(t, dir, v1, Options{})
	writeRaw(t, filepath.Join(dir, "notes.txt"), "mine\n", 0o600)
	writeRaw(t, filepath.Join(dir, "web/extra.yaml"), "extra\n", 0o644)
	return dir, parent, tree(t, dir)
}

func TestWriteFailureMidWrite(t *testing.T) {
	dir, parent, before := userDir(t)
	failWriteAt(t, "web-service.yaml") // after db/statefulset.yaml was written
	err := Write(dir, v2, Options{})
	want := filepath.Join(dir, "web-service.yaml") + ": writing: injected failure"
	if err == nil || err.Error() != want || !errors.Is(err, errInjected) {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	assertTree(t, dir, before)
	assertNoLeftovers(t, parent)
}

func TestWriteFailureMidWriteFresh(t *testing.T) {
	dir, parent := outDir(t)
	failWriteAt(t, ManifestName) // the very last file
	if err := Write(dir, v1, Options{}); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed Write (%v)", dir, err)
	}
	assertNoLeftovers(t, parent)
}

func TestWriteFailureMovingOldAside(t *testing.T) {
	dir, parent, before := userDir(t)
	failRename(t, "k8s", false) // dir itself is the source of the first rename
	if err := Write(dir, v2, Options{}); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	assertTree(t, dir, before)
	assertNoLeftovers(t, parent)
}

func TestWriteFailureSwappingInRestoresOld(t *testing.T) {
	dir, parent, before := userDir(t)
	failRename(t, ".transship-tmp-", false)
	err := Write(dir, v2, Options{})
	if !errors.Is(err, errInjected) || !strings.HasPrefix(err.Error(), dir+": moving the new output into place: ") {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	assertTree(t, dir, before)
	assertNoLeftovers(t, parent)
}

func TestWriteFailureSwappingInNewDir(t *testing.T) {
	dir, parent := outDir(t)
	failRename(t, ".transship-tmp-", false)
	if err := Write(dir, v1, Options{}); !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed Write (%v)", dir, err)
	}
	assertNoLeftovers(t, parent)
}

// When even the restore fails, nothing is lost: the error says where the
// old contents are, and the next Write refuses until the user has looked.
func TestWriteFailedRestoreKeepsEverything(t *testing.T) {
	dir, parent, before := userDir(t)
	failRename(t, ".transship-tmp-", true)
	err := Write(dir, v2, Options{})
	if err == nil || !strings.Contains(err.Error(), "restoring the old output failed too") {
		t.Fatalf("err = %v", err)
	}
	rename = os.Rename
	des, _ := os.ReadDir(parent)
	var old string
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".k8s.transship-old-") {
			old = filepath.Join(parent, de.Name())
		}
	}
	if old == "" || !strings.Contains(err.Error(), old) {
		t.Fatalf("err = %v; want it to name the old output in %s (found %q)", err, parent, old)
	}
	assertTree(t, old, before)

	err = Write(dir, v2, Options{Force: true})
	if err == nil || !strings.Contains(err.Error(), "holds its contents from an interrupted transship run") {
		t.Errorf("Write after an interrupted run: err = %v, want a refusal", err)
	}
	assertTree(t, old, before)
}
