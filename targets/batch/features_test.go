package batch

import (
	"testing"

	"github.com/transship/transship/targets"
)

// TestFeaturesCoverCodes keeps the explain table and codes.go in step:
// every code is named by a feature, and every feature's code exists.
func TestFeaturesCoverCodes(t *testing.T) {
	problems, err := targets.CodesCoveredFile(Features, "codes.go", "BAT", 25)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
