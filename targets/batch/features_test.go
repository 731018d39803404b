package batch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
)

// TestFeaturesCoverCodes keeps the explain table and codes.go in step:
// every code is named by a feature, and every feature's code exists.
func TestFeaturesCoverCodes(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, _ := strconv.Unquote(lit.Value)
			codes = append(codes, s)
		}
		return true
	})
	named := map[string]bool{}
	for _, ft := range Features {
		if ft.Verdict != Kept && ft.Verdict != Degraded && ft.Verdict != Refused {
			t.Errorf("%s: verdict %q", ft.Key, ft.Verdict)
		}
		for _, c := range ft.Codes {
			if !slices.Contains(codes, c) {
				t.Errorf("%s names %s, which codes.go does not define", ft.Key, c)
			}
			named[c] = true
		}
	}
	for _, c := range codes {
		if !named[c] {
			t.Errorf("%s is in codes.go but no feature of the explain table names it", c)
		}
	}
	if len(codes) < 25 {
		t.Fatalf("found %d codes in codes.go; the parse is wrong", len(codes))
	}
}
