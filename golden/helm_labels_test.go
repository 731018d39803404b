package golden

import "testing"

// TestHelmClaimTemplatesManagedByHelm: a StatefulSet's claim templates
// say managed-by Helm, as every other object of the chart (they said
// transship, the manifests' value).
func TestHelmClaimTemplatesManagedByHelm(t *testing.T) {
	objs, _, err := renderWith(t, goldenChart(t, "web-db-cache/helm"), "{}")
	if err != nil {
		t.Fatal(err)
	}
	sts := objs["db-statefulset.yaml"]
	l, _ := at(sts, "spec", "volumeClaimTemplates").([]any)
	if len(l) == 0 {
		t.Fatal("db's StatefulSet has no claim templates")
	}
	for _, c := range l {
		if got := at(c, "metadata", "labels", "app.kubernetes.io/managed-by"); got != "Helm" {
			t.Errorf("claim template %v: managed-by %v, want Helm", at(c, "metadata", "name"), got)
		}
	}
	if got := at(sts, "metadata", "labels", "app.kubernetes.io/managed-by"); got != "Helm" {
		t.Errorf("the StatefulSet itself: managed-by %v", got)
	}
}
