package golden

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/transship/transship/translate"
)

// renderNotes is NOTES.txt and the Jobs' names as helm install (rev 1)
// or helm upgrade (rev > 1) render them with values.
func renderNotes(t *testing.T, dir string, rev int, values string) (string, map[string]bool) {
	t.Helper()
	var vals map[string]any
	if err := yaml.Unmarshal([]byte(values), &vals); err != nil {
		t.Fatal(err)
	}
	out := renderAt(t, dir, rev, vals)
	notes, jobs := "", map[string]bool{}
	for name, text := range out {
		var head struct {
			Kind     string
			Metadata struct{ Name string }
		}
		switch {
		case filepath.Base(name) == "NOTES.txt":
			notes = text
		case strings.HasSuffix(name, ".yaml") && yaml.Unmarshal([]byte(text), &head) == nil && head.Kind == "Job":
			jobs[head.Metadata.Name] = true
		}
	}
	return notes, jobs
}

// exampleChart is the chart helm.Emit writes for examples/NAME with the
// generic site, in a directory named as the chart: what the emitter
// makes now, not the golden (review4: a test on the golden passed with
// the emitter's Job notes removed).
func exampleChart(t *testing.T, name string) string {
	t.Helper()
	g, ds := translate.Load(context.Background(), translate.Options{Files: []string{filepath.Join(repoRoot(t), "examples", name, "compose.yaml")}})
	if g == nil || ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	dir, _, err := corpusChart(t, g, "generic")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return dir
}

// TestHelmNotesNameTheJobs: NOTES.txt names the Jobs as the revision
// does (-r<revision>: each helm upgrade runs them again under new names)
// and says what that means where the chart is rendered without revisions
// (Argo CD, helm template), in the words of the chart's README; only the
// README said so, and NOTES.txt is what helm install prints.
func TestHelmNotesNameTheJobs(t *testing.T) {
	dir := exampleChart(t, "batch-pipeline")
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var para string
	for _, p := range strings.Split(string(readme), "\n\n") {
		if strings.HasPrefix(p, "A Job's name ends in the release's revision") {
			para = p
		}
	}
	if !strings.Contains(para, "Argo CD") || !strings.Contains(para, "helm upgrade") {
		t.Fatalf("the README says nothing of Argo CD and helm upgrade under Jobs: %q", para)
	}
	for _, rev := range []int{1, 2} {
		notes, jobs := renderNotes(t, dir, rev, "{}")
		if len(jobs) != 3 {
			t.Fatalf("revision %d: %d Jobs rendered, want batch-pipeline's 3", rev, len(jobs))
		}
		for job := range jobs {
			if !strings.Contains(notes, "  job/"+job+"\n") {
				t.Errorf("revision %d: NOTES.txt does not name job/%s:\n%s", rev, job, notes)
			}
		}
		if !strings.Contains(notes, strings.ReplaceAll(para, "`", "")) {
			t.Errorf("revision %d: NOTES.txt does not say what the README says of Jobs:\n%s", rev, notes)
		}
	}
	notes, jobs := renderNotes(t, dir, 1, "services: {fetch: {enabled: false}}")
	if strings.Contains(notes, "fetch") || len(jobs) != 2 {
		t.Errorf("fetch disabled: NOTES.txt names it, or %d Jobs are rendered:\n%s", len(jobs), notes)
	}
	if notes, _ := renderNotes(t, exampleChart(t, "web-db-cache"), 1, "{}"); strings.Contains(notes, "Job") {
		t.Errorf("a chart without Jobs speaks of Jobs in NOTES.txt:\n%s", notes)
	}
}
