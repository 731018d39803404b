package output

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/transship/transship/targets"
)

const serviceV1 = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
  selector:
    app: web
`

const serviceV2 = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 8080
  selector:
    app: web
`

var (
	checkOld = []targets.File{
		{Path: "web-service.yaml", Data: []byte(serviceV1)},
		{Path: "bin/run.sh", Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")},
	}
	checkNew = []targets.File{
		{Path: "web-service.yaml", Data: []byte(serviceV2)},
		{Path: "db.yaml", Data: []byte("kind: StatefulSet\n")},
	}
)

// checkDiff is Check(dir written with checkOld, checkNew): one changed
// line, one new file, one deleted file, in path order.
const checkDiff = `--- a/bin/run.sh
+++ /dev/null
@@ -1,2 +0,0 @@
-#!/bin/sh
-echo hi
--- /dev/null
+++ b/db.yaml
@@ -0,0 +1 @@
+kind: StatefulSet
--- a/web-service.yaml
+++ b/web-service.yaml
@@ -4,6 +4,6 @@
   name: web
 spec:
   ports:
-  - port: 80
+  - port: 8080
   selector:
     app: web
`

func mustCheck(t *testing.T, dir string, files []targets.File) string {
	t.Helper()
	diff, err := Check(dir, files)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return diff
}

func TestCheckAfterWriteIsEmpty(t *testing.T) {
	dir, _ := outDir(t)
	mustWrite(t, dir, checkOld, Options{})
	writeRaw(t, filepath.Join(dir, "notes.txt"), "the user's, ignored\n", 0o644)
	if diff := mustCheck(t, dir, checkOld); diff != "" {
		t.Errorf("Check after Write:\n%s", diff)
	}
	// Only the executable bit of the mode counts.
	if err := os.Chmod(filepath.Join(dir, "web-service.yaml"), 0o664); err != nil {
		t.Fatal(err)
	}
	if diff := mustCheck(t, dir, checkOld); diff != "" {
		t.Errorf("Check after chmod g+w:\n%s", diff)
	}
}

func TestCheckDiff(t *testing.T) {
	dir, _ := outDir(t)
	mustWrite(t, dir, checkOld, Options{})
	writeRaw(t, filepath.Join(dir, "notes.txt"), "the user's, ignored\n", 0o644)
	diff := mustCheck(t, dir, checkNew)
	if diff != checkDiff {
		t.Errorf("Check:\n%s\nwant:\n%s", diff, checkDiff)
	}
	// Check writes nothing.
	if diff2 := mustCheck(t, dir, checkNew); diff2 != diff {
		t.Errorf("second Check differs:\n%s", diff2)
	}
	mustWrite(t, dir, checkNew, Options{})
	if diff := mustCheck(t, dir, checkNew); diff != "" {
		t.Errorf("Check after Write:\n%s", diff)
	}
}

func TestCheckMissingDir(t *testing.T) {
	dir, _ := outDir(t)
	want := "--- /dev/null\n+++ b/db.yaml\n@@ -0,0 +1 @@\n+kind: StatefulSet\n" +
		"--- /dev/null\n+++ b/web-service.yaml\n@@ -0,0 +1,9 @@\n"
	diff := mustCheck(t, dir, checkNew)
	if len(diff) < len(want) || diff[:len(want)] != want {
		t.Errorf("Check:\n%s\nwant it to start with:\n%s", diff, want)
	}
}

func TestCheckMode(t *testing.T) {
	dir, _ := outDir(t)
	mustWrite(t, dir, checkOld, Options{})
	if err := os.Chmod(filepath.Join(dir, "bin/run.sh"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "old mode 100644\nnew mode 100755\n--- a/bin/run.sh\n+++ b/bin/run.sh\n"
	if diff := mustCheck(t, dir, checkOld); diff != want {
		t.Errorf("Check:\n%s\nwant:\n%s", diff, want)
	}
}

func TestCheckEmptyFile(t *testing.T) {
	dir, _ := outDir(t)
	want := "--- /dev/null\n+++ b/empty\n"
	if diff := mustCheck(t, dir, []targets.File{{Path: "empty"}}); diff != want {
		t.Errorf("Check:\n%q\nwant:\n%q", diff, want)
	}
}

func TestCheckErrors(t *testing.T) {
	dir, _ := outDir(t)
	if _, err := Check(dir, []targets.File{{Path: "../x"}}); err == nil {
		t.Error("Check with an invalid path: no error")
	}
	writeRaw(t, dir, "a file\n", 0o644)
	if _, err := Check(dir, checkNew); err == nil || err.Error() != dir+": exists and is not a directory" {
		t.Errorf("Check on a file: err = %v", err)
	}
}

// The diff is a real patch: GNU patch turns the old directory into the
// new one (skipped where patch is not installed).
func TestCheckDiffAppliesWithPatch(t *testing.T) {
	patch, err := exec.LookPath("patch")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("patch(1) is needed (make e2e-deps installs it)")
		}
		t.Skip("patch(1) not installed")
	}
	dir, _ := outDir(t)
	mustWrite(t, dir, checkOld, Options{})
	cmd := exec.Command(patch, "-p1", "-s", "-E")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader([]byte(mustCheck(t, dir, checkNew)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch: %v\n%s", err, out)
	}
	if diff := mustCheck(t, dir, checkNew); diff != "" {
		t.Errorf("Check after patch:\n%s", diff)
	}
}
