package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// An output directory that is a mount point (docker run -v ...:/out) made
// every write fail with "device or resource busy". Here it is a real bind
// mount, in a mount namespace of its own (unshare -m, so nothing outlives
// the test): two conversions into it, the second changing the project,
// leave the whole new output and nothing else in the mounted directory.
func TestOutputToMountPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	unshare, err := exec.LookPath("unshare")
	if os.Geteuid() != 0 || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs root and unshare for the bind mount (euid %d, %v)", os.Geteuid(), err)
		}
		t.Skip("needs root and unshare(1) for a bind mount")
	}
	dir, bin := buildBinary(t)
	src, out := filepath.Join(dir, "volume"), filepath.Join(dir, "out")
	for _, d := range []string{src, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "README"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := filepath.Join(dir, "compose.yaml")
	script := `set -e; mount --bind "$1" "$2"
"$3" convert --to k8s -f "$4" -o "$2" 2>/dev/null
sed -i 's/nginx:1.27/nginx:1.28/; s/  db:/  cache:/' "$4"
"$3" convert --to k8s -f "$4" -o "$2" 2>/dev/null`
	if err := os.WriteFile(compose, []byte("services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n  db:\n    image: postgres:16\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", src, out, bin, compose)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	// What a plain directory gets from the second conversion.
	want := filepath.Join(dir, "plain")
	if b, err := exec.Command(bin, "convert", "--to", "k8s", "-f", compose, "-o", want).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got, wantFiles := listFiles(t, src), listFiles(t, want)
	if !sameSet(got, append(wantFiles, "README")) {
		t.Errorf("mounted directory holds %q, want %q and README", got, wantFiles)
	}
	for _, f := range wantFiles {
		a, _ := os.ReadFile(filepath.Join(src, f))
		b, _ := os.ReadFile(filepath.Join(want, f))
		if string(a) != string(b) {
			t.Errorf("%s differs from a plain directory's", f)
		}
	}
}

func listFiles(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		if m[x]--; m[x] < 0 {
			return false
		}
	}
	return true
}
