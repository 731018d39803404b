package cluster

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// kept is what helm uninstall must leave of a release: the chart's own
// claims annotated helm.sh/resource-policy: keep, and the claims of the
// StatefulSets whose persistentVolumeClaimRetentionPolicy keeps them when
// the StatefulSet is deleted (Kubernetes names those
// <template>-<statefulset>-<ordinal>). The claims of a StatefulSet that
// deletes them, and anything else, must go.
type kept struct {
	claims map[string]bool
	// sets holds "<template>-<statefulset>-" of each claim template, true
	// where the StatefulSet keeps its claims.
	sets map[string]bool
}

// add reads one rendered manifest.
func (k *kept) add(text []byte) error {
	var head struct {
		Kind     string
		Metadata struct {
			Name        string
			Annotations map[string]string
		}
		Spec struct {
			PersistentVolumeClaimRetentionPolicy struct{ WhenDeleted string }
			VolumeClaimTemplates                 []struct{ Metadata struct{ Name string } }
		}
	}
	if err := yaml.Unmarshal(text, &head); err != nil {
		return err
	}
	switch head.Kind {
	case "PersistentVolumeClaim":
		if head.Metadata.Annotations["helm.sh/resource-policy"] == "keep" {
			k.claims[head.Metadata.Name] = true
		}
	case "StatefulSet":
		// Without a policy Kubernetes retains them (its default).
		retain := head.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted != "Delete"
		for _, t := range head.Spec.VolumeClaimTemplates {
			k.sets[t.Metadata.Name+"-"+head.Metadata.Name+"-"] = retain
		}
	}
	return nil
}

// setOf is the claim template prefix of a StatefulSet's claim, or "".
func (k *kept) setOf(claim string) string {
	for prefix := range k.sets {
		if n, ok := strings.CutPrefix(claim, prefix); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			return prefix
		}
	}
	return ""
}

// check takes what is left after uninstall (kubectl get -o name) and
// returns what should not be there, the kept claims that are not, and
// the claims kept.
func (k *kept) check(objects []string) (left, missing, claims []string) {
	seen := map[string]bool{}
	for _, o := range objects {
		name, isClaim := strings.CutPrefix(o, "persistentvolumeclaim/")
		switch {
		case isClaim && k.claims[name]:
			seen[name] = true
			claims = append(claims, name)
		case isClaim && k.sets[k.setOf(name)]:
			seen[k.setOf(name)] = true
			claims = append(claims, name)
		default:
			left = append(left, o)
		}
	}
	for name := range k.claims {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	for prefix, retain := range k.sets {
		if retain && !seen[prefix] {
			missing = append(missing, prefix+"N")
		}
	}
	sort.Strings(missing)
	return left, missing, claims
}

// showsSomething: the examples the uninstall check is about have what it
// checks, kept and deleted StatefulSet claims.
func (k *kept) showsSomething(ex string) error {
	want := map[string]bool{"web-db-cache": true, "kompose-labels": false}
	retain, ok := want[ex]
	if !ok {
		return nil
	}
	for _, r := range k.sets {
		if r == retain {
			return nil
		}
	}
	return fmt.Errorf("%s: no StatefulSet claim template that uninstall should keep=%v (%v): the test would show nothing", ex, retain, k.sets)
}

// TestKeptClaims: the uninstall check tells a retained StatefulSet's
// claims from a deleting one's, and from another StatefulSet's whose name
// only starts alike (no cluster needed).
func TestKeptClaims(t *testing.T) {
	k := &kept{claims: map[string]bool{}, sets: map[string]bool{}}
	for _, m := range []string{
		"kind: PersistentVolumeClaim\nmetadata: {name: r-app-files, annotations: {helm.sh/resource-policy: keep}}\n",
		"kind: PersistentVolumeClaim\nmetadata: {name: r-app-tmp}\n",
		"kind: StatefulSet\nmetadata: {name: r-app-db}\nspec: {volumeClaimTemplates: [{metadata: {name: data}}]}\n",
		"kind: StatefulSet\nmetadata: {name: r-app-cache}\nspec: {persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}, volumeClaimTemplates: [{metadata: {name: data}}]}\n",
	} {
		if err := k.add([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	left, missing, _ := k.check([]string{"persistentvolumeclaim/r-app-files", "persistentvolumeclaim/data-r-app-db-0",
		"persistentvolumeclaim/data-r-app-cache-0", "persistentvolumeclaim/data-r-app-db-x-0", "service/db"})
	if strings.Join(left, " ") != "persistentvolumeclaim/data-r-app-cache-0 persistentvolumeclaim/data-r-app-db-x-0 service/db" || len(missing) != 0 {
		t.Errorf("left %v, missing %v", left, missing)
	}
	if _, missing, _ := k.check(nil); strings.Join(missing, " ") != "data-r-app-db-N r-app-files" {
		t.Errorf("nothing left: missing %v", missing)
	}
}
