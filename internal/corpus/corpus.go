// Package corpus lists the shared corpus of real compose files that tests
// convert: ../shared/corpus beside the repository. Tests skip without it,
// except in CI (CI=true), where it must be there.
package corpus

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Dir is the corpus directory, found from this source file so that every
// test package sees the same one.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
}

// Files lists every compose file of the corpus: YAML files and the one
// compose override kept as a .yaml.example. It skips (or fails in CI)
// when the corpus is absent.
func Files(t testing.TB) []string {
	t.Helper()
	dir := Dir()
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s is missing in CI: %v", dir, err)
		}
		t.Skipf("corpus %s not found (it lives beside the repository as ../shared/corpus); skipping", dir)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if !d.IsDir() && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yaml.example")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// OverlaySets reads FEATURES.md's "Overlay sets loaded together": files
// meant for `-f base -f overlay`, which only load together.
func OverlaySets() [][]string {
	f, err := os.Open(filepath.Join(Dir(), "FEATURES.md"))
	if err != nil {
		return nil
	}
	defer f.Close()
	line := regexp.MustCompile("^\\* `[^`]+` ← (.*)$")
	var sets [][]string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var set []string
		for _, part := range strings.Split(m[1], " + ") {
			set = append(set, filepath.Join(Dir(), strings.Trim(part, "` ")))
		}
		sets = append(sets, set)
	}
	return sets
}

// Inputs are every file alone, then every overlay set.
func Inputs(t testing.TB) [][]string {
	var out [][]string
	for _, f := range Files(t) {
		out = append(out, []string{f})
	}
	return append(out, OverlaySets()...)
}

// Name is an input's name relative to the corpus, for messages.
func Name(files []string) string {
	return strings.ReplaceAll(strings.Join(files, "+"), Dir()+string(filepath.Separator), "")
}
