package kubernetes

import (
	"testing"

	"github.com/transship/transship/targets"
)

// The explain table and codes.go agree: every code is named by a feature
// and every feature's code exists.
func TestFeaturesCoverCodes(t *testing.T) {
	problems, err := targets.CodesCoveredFile(Features, "codes.go", "K8S", 30)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
