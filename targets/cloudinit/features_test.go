package cloudinit

import (
	"os"
	"regexp"
	"testing"

	"github.com/transship/transship/targets"
)

// The explain table and codes.go agree: every code is named by a feature
// and every feature's code exists.
func TestFeaturesCoverCodes(t *testing.T) {
	src, err := os.ReadFile("codes.go")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, m := range regexp.MustCompile(`"(CI\d+)"`).FindAllStringSubmatch(string(src), -1) {
		codes = append(codes, m[1])
	}
	if len(codes) < 8 {
		t.Fatalf("found %d codes in codes.go; the parse is wrong", len(codes))
	}
	for _, p := range targets.CodesCovered(Features, codes) {
		t.Error(p)
	}
}
