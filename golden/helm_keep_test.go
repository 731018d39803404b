package golden

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transship/transship/translate"
)

// TestHelmStatefulSetClaimsFollowKeep: a StatefulSet's claims follow
// persistence.<template>.keep on uninstall, as the chart's own claims do,
// through the StatefulSet's persistentVolumeClaimRetentionPolicy (the
// chart had no such value: helm uninstall always left them behind).
func TestHelmStatefulSetClaimsFollowKeep(t *testing.T) {
	dir := goldenChart(t, "web-db-cache/helm")
	for _, tc := range []struct{ values, want string }{
		{"{}", "Retain"}, // kept by default, like the chart's own claims
		{"persistence: {db-data: {keep: true}}", "Retain"},
		{"persistence: {db-data: {keep: false}}", "Delete"},
	} {
		objs, _, err := renderWith(t, dir, tc.values)
		if err != nil {
			t.Fatalf("values %s: %v", tc.values, err)
		}
		policy := at(objs["db-statefulset.yaml"], "spec", "persistentVolumeClaimRetentionPolicy")
		if got := at(policy, "whenDeleted"); got != tc.want {
			t.Errorf("values %s: whenDeleted %v, want %s", tc.values, got, tc.want)
		}
		// Scaling down keeps the claims either way: scaling up again
		// finds the pods' data.
		if got := at(policy, "whenScaled"); got != "Retain" {
			t.Errorf("values %s: whenScaled %v, want Retain", tc.values, got)
		}
	}
	for _, err := range lintChart(dir, map[string]any{"persistence": map[string]any{"db-data": map[string]any{"keep": false}}}) {
		t.Errorf("helm lint --strict with db-data's keep false: %v", err)
	}
}

// TestHelmStatefulSetClaimsKeptTogether: the policy is the StatefulSet's,
// so claim templates of one StatefulSet whose keep values differ are
// refused with a message naming both, not one of them ignored.
func TestHelmStatefulSetClaimsKeptTogether(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{"compose.yaml": `name: twovols
services:
  db:
    image: postgres:16
    deploy: {replicas: 2}
    volumes: ["data:/var/lib/postgresql/data", "wal:/wal"]
volumes:
  data: {}
  wal: {}
`})
	g, ds := translate.Load(context.Background(), translate.Options{Files: []string{filepath.Join(src, "compose.yaml")}})
	if g == nil || ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	chart, _, err := corpusChart(t, g, "generic")
	if err != nil {
		t.Fatal(err)
	}
	objs, _, err := renderWith(t, chart, "persistence: {data: {keep: false}, wal: {keep: false}}")
	if err != nil {
		t.Fatal(err)
	}
	sts := objs["db-statefulset.yaml"]
	if n := len(at(sts, "spec", "volumeClaimTemplates").([]any)); n != 2 {
		t.Fatalf("db's StatefulSet has %d claim templates, want 2 (the test would show nothing)", n)
	}
	if got := at(sts, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"); got != "Delete" {
		t.Errorf("both claims not kept: whenDeleted %v, want Delete", got)
	}
	_, _, err = renderWith(t, chart, "persistence: {wal: {keep: false}}")
	if err == nil || !strings.Contains(err.Error(), "persistence.data.keep and persistence.wal.keep differ") {
		t.Errorf("keep values that differ: got %v, want a refusal naming both", err)
	}
}
