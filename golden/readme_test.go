package golden

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeQuickStart holds the README's quick start to what its first
// command prints: the number of warnings, in words, and every code among
// them. The golden stderr of that conversion is the truth; the README said
// "one warning" for a while after the example had gained four more.
func TestReadmeQuickStart(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := quickStart(t, string(readme))
	cmd := regexp.MustCompile(`convert --to kubernetes -f examples/([a-z0-9-]+)/compose\.yaml`).FindStringSubmatch(section)
	if cmd == nil {
		t.Fatal("the quick start has no `convert --to kubernetes -f examples/NAME/compose.yaml` command")
	}
	stderr, err := os.ReadFile(filepath.Join(root, "golden", cmd[1], "kubernetes.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	codes := regexp.MustCompile(`warning\[([A-Z][A-Z0-9]*[0-9])\]`).FindAllStringSubmatch(string(stderr), -1)
	words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if len(codes) >= len(words) {
		t.Fatalf("the quick start's example prints %d warnings: pick a quieter one", len(codes))
	}
	text := strings.Join(strings.Fields(section), " ")
	want := words[len(codes)] + " warning"
	if !strings.Contains(text, want) {
		t.Errorf("the quick start does not say it prints %q (golden/%s/kubernetes.stderr has %d)", want, cmd[1], len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !seen[c[1]] && !strings.Contains(text, c[1]) {
			t.Errorf("the quick start does not say why it prints %s", c[1])
		}
		seen[c[1]] = true
	}
}

// quickStart is the README's "## Quick start" section, up to the next
// heading of the same level.
func quickStart(t *testing.T, readme string) string {
	_, rest, ok := strings.Cut(readme, "\n## Quick start\n")
	if !ok {
		t.Fatal("README.md has no \"## Quick start\" section")
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}
